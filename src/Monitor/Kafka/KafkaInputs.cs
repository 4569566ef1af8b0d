using System.Reactive.Disposables;
using System.Reactive.Linq;
using Confluent.Kafka;
using Monitor.Core.Events;
using Monitor.Core.Pipeline;
using Monitor.Observability;
using Monitor.Pipeline;

namespace Monitor.Kafka;

/// <summary>Settings of the pipeline's Kafka consumer.</summary>
public sealed record KafkaSourceOptions
{
    public required string BootstrapServers { get; init; }

    /// <summary>Consumer group (default "monitor"); instances in one group share the partitions.</summary>
    public string GroupId { get; init; } = "monitor";

    public IReadOnlyList<string> Topics { get; init; } = ["chats", "calls", "orders", "agents"];

    /// <summary>Extra librdkafka settings (security.protocol, sasl.*, ...), passed through.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>State of the consumer that /healthz and /readyz report.</summary>
public sealed class ConsumerHealth
{
    private int _assignedPartitions;

    public bool Running { get; set; }

    public string? FatalError { get; set; }

    public int AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    internal void Adjust(int delta) => Interlocked.Add(ref _assignedPartitions, delta);
}

/// <summary>
/// The one long-lived consumer of an instance, as an observable of pipeline inputs: its blocking
/// loop runs on a dedicated thread; each message is decoded (bad ones dead-lettered), pushed
/// through the pipeline synchronously, and its offset is stored once the engine has applied it (the
/// watermark passed its event time), in partition order (at-least-once: an event still waiting in
/// the reorder buffer when the instance stops or loses the partition is read again).
/// Cooperative-sticky assignment. A consume error is counted and the loop goes on; a fatal error
/// ends the observable with an error.
/// </summary>
public sealed class KafkaInputs(KafkaSourceOptions options, EventIntake intake, MonitorMetrics metrics, ConsumerHealth health, WatermarkView watermark, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LagRefresh = TimeSpan.FromSeconds(1);

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

    private void Run(IObserver<PipelineInput> observer, CancellationToken stop)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            EnablePartitionEof = true,
            ClientId = $"monitor-{Environment.MachineName}",
        };
        foreach (var (key, value) in options.Extra)
        {
            config.Set(key, value);
        }

        // Each partition is a source of the watermark: the engine waits for the slowest one.
        var sources = new Dictionary<TopicPartition, int>();

        // Per partition, consumed messages whose events the engine has not applied yet, in offset order.
        var unapplied = new Dictionary<TopicPartition, Queue<(long EventMs, TopicPartitionOffset Position)>>();
        int SourceOf(TopicPartition partition)
        {
            if (!sources.TryGetValue(partition, out var id))
            {
                id = sources.Count + 1;
                sources[partition] = id;
            }

            return id;
        }

        void Close(IEnumerable<TopicPartition> partitions)
        {
            foreach (var partition in partitions)
            {
                unapplied.Remove(partition);
                if (sources.TryGetValue(partition, out var id))
                {
                    observer.OnNext(PipelineInput.SourceRevoked(id));
                }
            }
        }

        IConsumer<byte[]?, byte[]?> consumer;
        try
        {
            consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
                .SetErrorHandler((_, error) =>
                {
                    if (error.IsFatal)
                    {
                        health.FatalError = error.Reason;
                    }

                    logger.LogWarning("Kafka: {Reason} ({Code})", error.Reason, error.Code);
                })
                .SetLogHandler((_, log) =>
                {
                    if (log.Level <= SyslogLevel.Warning)
                    {
                        logger.LogInformation("librdkafka {Facility}: {Message}", log.Facility, log.Message);
                    }
                })
                .SetPartitionsAssignedHandler((_, partitions) =>
                {
                    health.Adjust(partitions.Count);
                    foreach (var partition in partitions)
                    {
                        observer.OnNext(PipelineInput.SourceOpened(SourceOf(partition)));
                    }

                    logger.LogInformation("Assigned {Partitions}", string.Join(", ", partitions));
                })
                .SetPartitionsRevokedHandler((_, partitions) =>
                {
                    health.Adjust(-partitions.Count);
                    Close(partitions.Select(p => p.TopicPartition));
                    logger.LogInformation("Revoked {Partitions}", string.Join(", ", partitions.Select(p => p.TopicPartition)));
                })
                .SetPartitionsLostHandler((_, partitions) =>
                {
                    health.Adjust(-partitions.Count);
                    Close(partitions.Select(p => p.TopicPartition));
                    logger.LogWarning("Lost {Partitions}", string.Join(", ", partitions.Select(p => p.TopicPartition)));
                })
                .Build();
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

                if (result is null)
                {
                    // The clock may have moved the watermark meanwhile.
                    StoreApplied(consumer, unapplied);
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    // Caught up: an idle partition must not hold event time back.
                    observer.OnNext(PipelineInput.SourceIdle(SourceOf(result.TopicPartition)));
                    continue;
                }

                var origin = result.TopicPartitionOffset.ToString();
                var topic = Names.TryParseTopic(result.Topic, out var parsed) ? parsed : (Topic?)null;
                var e = intake.Accept(result.Topic, topic, result.Message.Key, result.Message.Value ?? [], origin);
                if (e is not null)
                {
                    observer.OnNext(PipelineInput.Of(e, SourceOf(result.TopicPartition)));
                }

                // A rejected or duplicate message needs nothing applied: it only waits for those before it.
                if (!unapplied.TryGetValue(result.TopicPartition, out var queue))
                {
                    queue = new Queue<(long, TopicPartitionOffset)>();
                    unapplied[result.TopicPartition] = queue;
                }

                queue.Enqueue((e?.TimestampMs ?? long.MinValue, result.TopicPartitionOffset));
                StoreApplied(consumer, unapplied);
                if (time.GetElapsedTime(lastLag) >= LagRefresh)
                {
                    lastLag = time.GetTimestamp();
                    RefreshLag(consumer);
                }
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

    /// <summary>Stores, per partition, the position after the last message whose event the engine has applied.</summary>
    private void StoreApplied(IConsumer<byte[]?, byte[]?> consumer, Dictionary<TopicPartition, Queue<(long EventMs, TopicPartitionOffset Position)>> unapplied)
    {
        var applied = watermark.Current;
        foreach (var queue in unapplied.Values)
        {
            TopicPartitionOffset? last = null;
            while (queue.TryPeek(out var head) && (head.EventMs == long.MinValue || head.EventMs < applied))
            {
                last = queue.Dequeue().Position;
            }

            if (last is null)
            {
                continue;
            }

            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(last.TopicPartition, last.Offset + 1));
            }
            catch (KafkaException ex)
            {
                // The partition was revoked meanwhile: its new owner re-reads from the last stored offset.
                logger.LogDebug("Offset not stored for {Partition}: {Reason}", last, ex.Error.Reason);
            }
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

    public void Set(long watermarkMs) => Volatile.Write(ref _current, watermarkMs);
}
