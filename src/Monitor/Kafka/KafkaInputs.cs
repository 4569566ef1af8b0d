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
/// Range assignment, so a shop's partitions of all topics go to one instance. A consume error is counted and the loop goes on; a fatal error
/// ends the observable with an error.
/// </summary>
public sealed class KafkaInputs(KafkaSourceOptions options, EventIntake intake, MonitorMetrics metrics, ConsumerHealth health, WatermarkView watermark, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LagRefresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(10);

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

        // Each partition is a source of the watermark: the engine waits for the slowest one.
        var sources = new Dictionary<TopicPartition, int>();

        // The partitions assigned now. A message of any other (fetched before its partition was
        // revoked, delivered after) belongs to the partition's next owner: applying it here would
        // bring back a shop this instance no longer owns, built from a few late events.
        var assignedNow = new HashSet<TopicPartition>();

        // Per partition, consumed messages whose events the engine has not applied yet, in offset order.
        var unapplied = new Dictionary<TopicPartition, Queue<(long EventMs, TopicPartitionOffset Position, string? EventId)>>();

        // Look-back rebuild: per partition, the committed offset the re-read goes up to (messages
        // below it are replays, and no offset at or below it is ever stored again).
        var rebuildUntil = new Dictionary<TopicPartition, long>();
        var storeFloor = new Dictionary<TopicPartition, long>();
        EventIdDeduplicator? rebuildIds = null;

        // Per partition, the ids of the live events read at or after its committed offset. When it
        // goes, its shops' state goes with it, and the next owner (maybe this instance again) reads
        // from the committed offset, which may lie before events this instance applied: those must
        // not be taken for duplicates then, or the rebuilt state would miss them. Ids below the
        // committed offset are dropped as commits succeed, so this stays bounded.
        var readIds = new Dictionary<TopicPartition, Queue<(long Offset, string EventId)>>();

        void Rebuilt(TopicPartition partition)
        {
            if (rebuildUntil.Remove(partition))
            {
                observer.OnNext(PipelineInput.SourceRebuilt(SourceOf(partition)));
                logger.LogInformation("Rebuilt state of {Partition} from the look-back", partition);
                if (rebuildUntil.Count == 0)
                {
                    rebuildIds = null;
                }
            }
        }
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
                assignedNow.Remove(partition);
                unapplied.Remove(partition);
                if (readIds.Remove(partition, out var ids))
                {
                    intake.Forget(ids.Select(read => read.EventId));
                }

                Rebuilt(partition);
                storeFloor.Remove(partition);
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
                .SetPartitionsAssignedHandler((assigned, partitions) =>
                {
                    health.Adjust(partitions.Count);
                    assignedNow.UnionWith(partitions);
                    var starts = StartOffsets(assigned, partitions, storeFloor);
                    foreach (var start in starts)
                    {
                        var source = SourceOf(start.TopicPartition);
                        observer.OnNext(PipelineInput.SourceOpened(source));
                        if (start.Offset.IsSpecial)
                        {
                            continue;
                        }

                        var committed = storeFloor[start.TopicPartition];
                        rebuildUntil[start.TopicPartition] = committed;
                        rebuildIds ??= new EventIdDeduplicator();
                        observer.OnNext(PipelineInput.SourceRebuilding(source));
                        logger.LogInformation("Rebuilding {Partition} from offset {Start} up to the committed {Committed}", start.TopicPartition, start.Offset.Value, committed);
                    }

                    logger.LogInformation("Assigned {Partitions}", string.Join(", ", partitions));
                    return starts;
                })
                .SetOffsetsCommittedHandler((_, committed) =>
                {
                    // Runs on this loop's thread, inside Consume: events below a committed offset are
                    // never read again as live events, so their ids need not be forgotten later.
                    foreach (var offset in committed.Offsets)
                    {
                        if (offset.Error.IsError || offset.Offset.IsSpecial || !readIds.TryGetValue(offset.TopicPartition, out var ids))
                        {
                            continue;
                        }

                        while (ids.TryPeek(out var read) && read.Offset < offset.Offset.Value)
                        {
                            ids.Dequeue();
                        }
                    }
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
                    StoreApplied(consumer, unapplied, storeFloor);
                    continue;
                }

                if (!assignedNow.Contains(result.TopicPartition))
                {
                    metrics.EventsNotOwned.Inc();
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    // Caught up: an idle partition must not hold event time back.
                    Rebuilt(result.TopicPartition);
                    observer.OnNext(PipelineInput.SourceIdle(SourceOf(result.TopicPartition)));
                    continue;
                }

                var origin = result.TopicPartitionOffset.ToString();
                var topic = Names.TryParseTopic(result.Topic, out var parsed) ? parsed : (Topic?)null;
                var replayed = rebuildIds is not null && rebuildUntil.TryGetValue(result.TopicPartition, out var until) && result.Offset.Value < until;
                var e = replayed
                    ? intake.AcceptReplayed(topic, result.Message.Value ?? [], rebuildIds!)
                    : intake.Accept(result.Topic, topic, result.Message.Key, result.Message.Value ?? [], origin);
                if (e is not null)
                {
                    if (!replayed)
                    {
                        if (!readIds.TryGetValue(result.TopicPartition, out var ids))
                        {
                            ids = new Queue<(long, string)>();
                            readIds[result.TopicPartition] = ids;
                        }

                        ids.Enqueue((result.Offset.Value, e.EventId));
                    }

                    observer.OnNext(PipelineInput.Of(e, SourceOf(result.TopicPartition)));
                }

                if (rebuildUntil.TryGetValue(result.TopicPartition, out var end) && result.Offset.Value + 1 >= end)
                {
                    Rebuilt(result.TopicPartition);
                }

                // A rejected or duplicate message needs nothing applied: it only waits for those before it.
                if (!unapplied.TryGetValue(result.TopicPartition, out var queue))
                {
                    queue = new Queue<(long, TopicPartitionOffset, string?)>();
                    unapplied[result.TopicPartition] = queue;
                }

                queue.Enqueue((e?.TimestampMs ?? long.MinValue, result.TopicPartitionOffset, replayed ? null : e?.EventId));
                StoreApplied(consumer, unapplied, storeFloor);
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

    /// <summary>
    /// Stores, per partition, the position after the last message whose event the engine has
    /// applied; never a position at or below <paramref name="floors"/> (the committed offset a
    /// look-back re-read started under), which would move the committed offset back.
    /// </summary>
    private void StoreApplied(
        IConsumer<byte[]?, byte[]?> consumer,
        Dictionary<TopicPartition, Queue<(long EventMs, TopicPartitionOffset Position, string? EventId)>> unapplied,
        Dictionary<TopicPartition, long> floors)
    {
        var applied = watermark.Current;
        foreach (var queue in unapplied.Values)
        {
            TopicPartitionOffset? last = null;
            while (queue.TryPeek(out var head) && (head.EventMs == long.MinValue || head.EventMs < applied))
            {
                last = queue.Dequeue().Position;
            }

            if (last is null || (floors.TryGetValue(last.TopicPartition, out var floor) && last.Offset.Value + 1 <= floor))
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

    /// <summary>
    /// Where each newly assigned partition starts: with a look-back, at the first offset at or
    /// after now − look-back when that is below the committed offset (recording the committed
    /// offset as the partition's store floor); otherwise at the committed offset (Unset). Broker
    /// errors fall back to the committed offset: a rebuild is worth having, not worth stopping for.
    /// </summary>
    private List<TopicPartitionOffset> StartOffsets(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, Dictionary<TopicPartition, long> floors)
    {
        var unset = partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList();
        if (options.LookBack is not { } lookBack || partitions.Count == 0)
        {
            return unset;
        }

        try
        {
            var committed = consumer.Committed(partitions, BrokerTimeout).ToDictionary(p => p.TopicPartition, p => p.Offset);
            var since = new Timestamp(time.GetUtcNow() - lookBack);
            var starts = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, since)), BrokerTimeout);
            return starts.Select(start =>
            {
                var done = committed.GetValueOrDefault(start.TopicPartition, Offset.Unset);
                var from = start.Offset;
                if (from.IsSpecial && !done.IsSpecial && !options.BrokerHasTimeIndex)
                {
                    from = consumer.QueryWatermarkOffsets(start.TopicPartition, BrokerTimeout).Low;
                }

                if (done.IsSpecial || from.IsSpecial || from.Value >= done.Value)
                {
                    return new TopicPartitionOffset(start.TopicPartition, Offset.Unset);
                }

                floors[start.TopicPartition] = done.Value;
                return new TopicPartitionOffset(start.TopicPartition, from);
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

    public void Set(long watermarkMs) => Volatile.Write(ref _current, watermarkMs);
}
