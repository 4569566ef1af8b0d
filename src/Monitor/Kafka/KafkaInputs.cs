using System.Reactive.Disposables;
using System.Reactive.Linq;
using Confluent.Kafka;
using Monitor.Core.Events;
using Monitor.Core.Pipeline;
using Monitor.Hosting;
using Monitor.Observability;
using Monitor.Pipeline;

namespace Monitor.Kafka;

/// <summary>Settings of the pipeline's Kafka consumer.</summary>
public sealed record KafkaSourceOptions
{
    /// <summary>Kafka bootstrap servers (<c>host:port</c>, comma-separated).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Consumer group (default "monitor"); instances in one group share the partitions.</summary>
    public string GroupId { get; init; } = "monitor";

    /// <summary>Topics consumed (default chats, calls, orders, agents).</summary>
    public IReadOnlyList<string> Topics { get; init; } = ["chats", "calls", "orders", "agents"];

    /// <summary>Extra librdkafka settings (security.protocol, sasl.*, ...), passed through.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// On assignment, read each partition again from this far before now up to its committed
    /// offset, so windows and open items are rebuilt before live events (DESIGN §2). Null
    /// (default here; the live host sets it from the windows) starts at the committed offset.
    /// </summary>
    public TimeSpan? LookBack { get; init; }

    /// <summary>
    /// False for a broker that cannot look offsets up by time (librdkafka's mock cluster, the
    /// embedded broker): the rebuild then re-reads from the first retained message. Default true.
    /// </summary>
    public bool BrokerHasTimeIndex { get; init; } = true;
}

/// <summary>State of the consumer that /healthz and /readyz report.</summary>
public sealed class ConsumerHealth
{
    private int _assignedPartitions;

    /// <summary>True while the consumer loop runs (from subscribing until it stops); /readyz needs it.</summary>
    public bool Running { get; set; }

    /// <summary>Why consumption stopped for good (a fatal Kafka error, a consumer that could not be created, a pipeline failure); null while healthy. /healthz fails while it is set.</summary>
    public string? FatalError { get; set; }

    /// <summary>Partitions currently assigned to this instance; /readyz needs at least one.</summary>
    public int AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    internal void Adjust(int delta) => Interlocked.Add(ref _assignedPartitions, delta);
}

/// <summary>
/// The one long-lived consumer of an instance, as an observable of pipeline inputs: its blocking
/// loop runs on a dedicated thread; each message is decoded (bad ones dead-lettered), pushed
/// through the pipeline synchronously, and its offset is stored once the engine has applied it (the
/// watermark passed its event time), in partition order (at-least-once: an event still waiting in
/// the reorder buffer when the instance stops or loses the partition is read again).
/// Range assignment, so a shop's partitions of all topics go to one instance. A consume error is counted and the loop goes on; a fatal error
/// ends the observable with an error.
/// </summary>
public sealed partial class KafkaInputs(KafkaSourceOptions options, EventIntake intake, MonitorMetrics metrics, ConsumerHealth health, WatermarkView watermark, HostClocks clocks, ILogger logger)
{
    // Real elapsed time (the lag refresh); the look-back is dated by the event clock.
    private readonly TimeProvider time = clocks.Processing;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LagRefresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The consumer as an observable: each subscription starts its own consumer thread, and disposing it stops and closes the consumer (waiting up to 15 s).</summary>
    public IObservable<PipelineInput> Create() => Observable.Create<PipelineInput>(observer =>
    {
        var stop = new CancellationTokenSource();
        var thread = new Thread(() => Run(observer, stop.Token)) { IsBackground = true, Name = "kafka-consumer" };
        thread.Start();
        return Disposable.Create(() =>
        {
            stop.Cancel();
            if (Thread.CurrentThread != thread)
            {
                thread.Join(TimeSpan.FromSeconds(15));
            }

            stop.Dispose();
        });
    });

    /// <summary>
    /// The consumer loop: a thin adapter between the consumer and the <see cref="Session"/> that keeps
    /// the books (the <see cref="PartitionLedger"/>) and feeds the pipeline.
    /// </summary>
    private void Run(IObserver<PipelineInput> observer, CancellationToken stop)
    {
        var session = new Session(this, observer, intake, metrics, health, logger);
        IConsumer<byte[]?, byte[]?> consumer;
        try
        {
            consumer = session.Build(BuildConfig());
        }
        catch (Exception ex) when (ex is KafkaException or ArgumentException or InvalidOperationException)
        {
            health.FatalError = ex.Message;
            observer.OnError(new InvalidOperationException($"cannot create the Kafka consumer: {ex.Message}", ex));
            return;
        }

        health.Running = true;
        var lastLag = time.GetTimestamp();
        try
        {
            consumer.Subscribe(options.Topics);
            while (!stop.IsCancellationRequested)
            {
                if (health.FatalError is { } fatal)
                {
                    observer.OnError(new InvalidOperationException($"fatal Kafka error: {fatal}"));
                    return;
                }

                ConsumeResult<byte[]?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(PollInterval);
                }
                catch (ConsumeException ex)
                {
                    metrics.ConsumeErrors.Inc();
                    logger.LogWarning("Consume error on {Partition}: {Reason}", ex.ConsumerRecord?.TopicPartitionOffset, ex.Error.Reason);
                    continue;
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                // Also when nothing arrives: once a stream is drained, the gauge must say so.
                if (time.GetElapsedTime(lastLag) >= LagRefresh)
                {
                    lastLag = time.GetTimestamp();
                    RefreshLag(consumer);
                }

                session.Handle(consumer, result);
            }

            observer.OnCompleted();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Anything thrown downstream (engine, router, sink) ends the pipeline with a reason
            // instead of killing the process from a background thread.
            health.FatalError ??= ex.Message;
            observer.OnError(ex);
        }
        finally
        {
            health.Running = false;
            try
            {
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                logger.LogWarning("Closing the consumer: {Reason}", ex.Error.Reason);
            }

            consumer.Dispose();
        }
    }

    private ConsumerConfig BuildConfig()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Range gives each instance the same partition numbers of every topic (the topics have
            // equal partition counts and key = shopId), so all of a shop's topics stay on one
            // instance, which cross-topic metrics (crisis: chats + calls + agents) need.
            // Cooperative-sticky moves partitions one by one and splits a shop's topics across
            // instances after a rebalance.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            EnablePartitionEof = true,
            ClientId = $"monitor-{Environment.MachineName}",
        };
        foreach (var (key, value) in options.Extra)
        {
            config.Set(key, value);
        }

        return config;
    }

    /// <summary>Stores, per partition, what <see cref="PartitionLedger.Applied"/> says the engine's watermark allows.</summary>
    private void StoreApplied(IConsumer<byte[]?, byte[]?> consumer, PartitionLedger ledger, List<TopicPartitionOffset> store)
    {
        store.Clear();
        ledger.Applied(watermark.Current, store);
        foreach (var position in store)
        {
            try
            {
                consumer.StoreOffset(position);
            }
            catch (KafkaException ex)
            {
                // The partition was revoked meanwhile: its new owner re-reads from the last stored offset.
                logger.LogDebug("Offset not stored for {Partition}: {Reason}", position, ex.Error.Reason);
            }
        }
    }

    /// <summary>
    /// Where each newly assigned partition starts: with a look-back, at the first offset at or
    /// after now − look-back when that is below the committed offset (recording the committed
    /// offset as the partition's store floor); otherwise at the committed offset (Unset). Broker
    /// errors fall back to the committed offset: a rebuild is worth having, not worth stopping for.
    /// </summary>
    private List<TopicPartitionOffset> StartOffsets(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, PartitionLedger floors)
    {
        var unset = partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList();
        if (options.LookBack is not { } lookBack || partitions.Count == 0)
        {
            return unset;
        }

        try
        {
            var committed = consumer.Committed(partitions, BrokerTimeout).ToDictionary(p => p.TopicPartition, p => p.Offset);
            var since = new Timestamp(clocks.Events.GetUtcNow() - lookBack);
            var starts = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, since)), BrokerTimeout);
            return starts.Select(start =>
            {
                var done = committed.GetValueOrDefault(start.TopicPartition, Offset.Unset);
                var from = LookBackStart.RebuildFrom(
                    done, start.Offset, () => consumer.QueryWatermarkOffsets(start.TopicPartition, BrokerTimeout).Low, options.BrokerHasTimeIndex);
                if (from is not { } rebuildFrom)
                {
                    return new TopicPartitionOffset(start.TopicPartition, Offset.Unset);
                }

                floors.SetFloor(start.TopicPartition, done.Value);
                return new TopicPartitionOffset(start.TopicPartition, rebuildFrom);
            }).ToList();
        }
        catch (KafkaException ex)
        {
            logger.LogWarning("No look-back rebuild for {Partitions}: {Reason}", string.Join(", ", partitions), ex.Error.Reason);
            return unset;
        }
    }

    private void RefreshLag(IConsumer<byte[]?, byte[]?> consumer)
    {
        foreach (var partition in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.IsSpecial || position.IsSpecial)
            {
                continue;
            }

            metrics.ConsumerLag.WithLabels(partition.Topic, partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set(Math.Max(0, watermarks.High.Value - position.Value));
        }
    }
}

/// <summary>The engine's watermark as the pipeline last reported it, readable from the consumer thread.</summary>
public sealed class WatermarkView
{
    private long _current = long.MinValue;

    /// <summary>Event time (epoch ms) below which every event has been applied.</summary>
    public long Current => Volatile.Read(ref _current);

    /// <summary>Records the watermark (epoch ms) the engine has reached; called from the pipeline thread.</summary>
    public void Set(long watermarkMs) => Volatile.Write(ref _current, watermarkMs);
}
