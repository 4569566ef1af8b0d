using Confluent.Kafka;

namespace Monitor.Simulation;

/// <summary>
/// Produces simulated events to Kafka, paced in real time: the event at time ts goes out at wall
/// time t0 + (ts − ts0) / speed, where t0 is when the first event goes out.
/// </summary>
public static class SimulationPublisher
{
    /// <summary>Events due within this much of now go out at once, so waits come in chunks.</summary>
    private static readonly TimeSpan Chunk = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan FlushOnCancel = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Produces <paramref name="events"/> (key = shop id) with <see cref="IProducer{TKey, TValue}.Produce(string, Message{TKey, TValue}, Action{DeliveryReport{TKey, TValue}})"/>,
    /// counting failed deliveries instead of awaiting each message. <paramref name="speed"/> is event
    /// seconds per wall second; 0, negative, NaN or +∞ produce as fast as the producer accepts. When
    /// behind schedule, events go out without waiting until production has caught up. Waits use
    /// <paramref name="time"/>. Progress is reported about once a second and at the end.
    /// Cancellation stops production gracefully: what is queued is flushed (up to 5 s) and the count
    /// produced so far is returned, without throwing.
    /// </summary>
    /// <returns>The number of messages handed to the producer.</returns>
    public static async Task<long> PublishAsync(
        IEnumerable<SimulatedEvent> events,
        IProducer<string, byte[]> producer,
        double speed,
        TimeProvider time,
        IProgress<PublishProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(time);

        // Generation is CPU-bound: give the caller its task back before the first event.
        await Task.Yield();

        var paced = speed > 0 && !double.IsPositiveInfinity(speed);
        var deliveries = new DeliveryCounter();
        Action<DeliveryReport<string, byte[]>> onDelivery = deliveries.Record;
        long produced = 0;
        long firstTs = 0;
        long startStamp = 0;
        long lastTs = 0;
        var behind = TimeSpan.Zero;
        var lastReport = time.GetTimestamp();

        foreach (var e in events)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (produced == 0)
            {
                firstTs = e.TimestampMs;
                startStamp = time.GetTimestamp();
            }
            else if (paced)
            {
                var due = TimeSpan.FromMilliseconds((e.TimestampMs - firstTs) / speed);
                var ahead = due - time.GetElapsedTime(startStamp);
                if (ahead > Chunk)
                {
                    try
                    {
                        await Task.Delay(ahead, time, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    behind = TimeSpan.Zero;
                }
                else
                {
                    behind = ahead < TimeSpan.Zero ? -ahead : TimeSpan.Zero;
                }
            }

            if (!Produce(producer, e, onDelivery, cancellationToken))
            {
                break;
            }

            produced++;
            lastTs = e.TimestampMs;
            if (progress is not null && (produced & 1023) == 0 && time.GetElapsedTime(lastReport) >= ProgressInterval)
            {
                lastReport = time.GetTimestamp();
                progress.Report(deliveries.Progress(produced, lastTs, behind));
            }
        }

        Flush(producer, cancellationToken);
        progress?.Report(deliveries.Progress(produced, lastTs, behind));
        return produced;
    }

    private static bool Produce(IProducer<string, byte[]> producer, SimulatedEvent e, Action<DeliveryReport<string, byte[]>> onDelivery, CancellationToken cancellationToken)
    {
        var message = new Message<string, byte[]> { Key = e.Key, Value = e.Json };
        while (true)
        {
            try
            {
                producer.Produce(e.Topic, message, onDelivery);
                return true;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue is full: let librdkafka drain it a little, then retry.
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }

                producer.Flush(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private static void Flush(IProducer<string, byte[]> producer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (producer.Flush(TimeSpan.FromMilliseconds(200)) == 0)
            {
                return;
            }
        }

        producer.Flush(FlushOnCancel);
    }

    /// <summary>Delivery reports arrive on the producer's poll thread.</summary>
    private sealed class DeliveryCounter
    {
        private long _delivered;
        private long _failed;

        public void Record(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
            }
            else
            {
                Interlocked.Increment(ref _delivered);
            }
        }

        public PublishProgress Progress(long produced, long lastTs, TimeSpan behind) => new(
            produced,
            Interlocked.Read(ref _delivered),
            Interlocked.Read(ref _failed),
            DateTimeOffset.FromUnixTimeMilliseconds(lastTs),
            behind);
    }
}
