using Confluent.Kafka;
using Monitor.Core.Events;
using Monitor.Observability;

namespace Monitor.Pipeline;

/// <summary>Where rejected messages go: the raw bytes, untouched, with the reason beside them.</summary>
public interface IDeadLetterSink
{
    /// <param name="origin">Where the message came from (topic/partition@offset, or file:line), for the header and logs.</param>
    void Send(string sourceTopic, byte[]? key, byte[] payload, InvalidReason reason, string detail, string origin);
}

/// <summary>
/// Writes rejected messages to <c>&lt;topic&gt;.dlq</c> with headers <c>dlq-reason</c> (the label of
/// monitor_events_invalid_total), <c>dlq-detail</c> and <c>dlq-origin</c>. A message larger than the
/// producer may send (<paramref name="maxPayloadBytes"/>: its <c>message.max.bytes</c> less room for key
/// and headers) goes as its first bytes, with <c>dlq-truncated: true</c> and <c>dlq-original-size</c>,
/// rather than not at all. A failed delivery is counted in monitor_dead_letter_failures_total and
/// logged at Warning without the payload.
/// </summary>
public sealed class KafkaDeadLetterSink(IProducer<byte[]?, byte[]> producer, MonitorMetrics metrics, ILogger logger, int maxPayloadBytes = KafkaDeadLetterSink.DefaultMaxPayloadBytes)
    : IDeadLetterSink, IDisposable
{
    /// <summary>librdkafka's default <c>message.max.bytes</c> (1,000,000) less 64 KiB for key, headers and framing.</summary>
    public const int DefaultMaxPayloadBytes = 1_000_000 - 65_536;

    /// <summary>The payload limit for a producer whose <c>message.max.bytes</c> is <paramref name="messageMaxBytes"/>.</summary>
    public static int MaxPayloadFor(int? messageMaxBytes) => Math.Max(1024, (messageMaxBytes ?? 1_000_000) - 65_536);

    /// <summary>Produces the message to <c>&lt;sourceTopic&gt;.dlq</c> without waiting for delivery; a failure is counted and logged, never thrown.</summary>
    public void Send(string sourceTopic, byte[]? key, byte[] payload, InvalidReason reason, string detail, string origin)
    {
        var headers = new Headers
        {
            { "dlq-reason", System.Text.Encoding.UTF8.GetBytes(InvalidReasons.Label(reason)) },
            { "dlq-detail", System.Text.Encoding.UTF8.GetBytes(detail) },
            { "dlq-origin", System.Text.Encoding.UTF8.GetBytes(origin) },
        };
        var value = payload;
        if (payload.Length > maxPayloadBytes)
        {
            value = payload[..maxPayloadBytes];
            headers.Add("dlq-truncated", "true"u8.ToArray());
            headers.Add("dlq-original-size", System.Text.Encoding.ASCII.GetBytes(payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        try
        {
            producer.Produce(sourceTopic + ".dlq", new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers }, report =>
            {
                if (report.Error.IsError)
                {
                    metrics.DeadLetterFailures.WithLabels(sourceTopic).Inc();
                    logger.LogWarning("Could not dead-letter a message from {Origin}: {Error}", origin, report.Error.Reason);
                }
            });
        }
        catch (ProduceException<byte[]?, byte[]> ex)
        {
            metrics.DeadLetterFailures.WithLabels(sourceTopic).Inc();
            logger.LogWarning("Could not dead-letter a message from {Origin}: {Error}", origin, ex.Error.Reason);
        }
    }

    /// <summary>Waits up to 5 s for dead letters still in flight, then disposes the producer.</summary>
    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(5));
        producer.Dispose();
    }
}

/// <summary>
/// For replay: logs each rejected line (file:line, reason, detail — never the line's content)
/// and, when a path is given, appends the raw line to a dead-letter JSONL file.
/// </summary>
public sealed class FileDeadLetterSink(string? path, ILogger logger) : IDeadLetterSink, IDisposable
{
    private readonly FileStream? _file = path is null ? null : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    /// <summary>Lines rejected so far; only the first 20 are logged one by one.</summary>
    public int Count { get; private set; }

    /// <summary>Counts and (for the first 20) logs the rejected line, and appends its raw bytes to the dead-letter file when there is one.</summary>
    public void Send(string sourceTopic, byte[]? key, byte[] payload, InvalidReason reason, string detail, string origin)
    {
        Count++;
        if (Count <= 20)
        {
            logger.LogWarning("Rejected {Origin}: {Reason}: {Detail}", origin, InvalidReasons.Label(reason), detail);
        }
        else if (Count == 21)
        {
            logger.LogWarning("More rejected lines follow; see monitor_events_invalid_total and the dead-letter file");
        }

        if (_file is not null)
        {
            _file.Write(payload);
            _file.WriteByte((byte)'\n');
        }
    }

    /// <summary>Closes the dead-letter file, if any.</summary>
    public void Dispose() => _file?.Dispose();
}
