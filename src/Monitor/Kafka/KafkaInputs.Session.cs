using Confluent.Kafka;
using Monitor.Core.Events;
using Monitor.Core.Pipeline;
using Monitor.Observability;
using Monitor.Pipeline;

namespace Monitor.Kafka;

public sealed partial class KafkaInputs
{
    /// <summary>
    /// One consumer's bookkeeping and what it tells the pipeline: sources, assignment, store-after-apply,
    /// rebuilds and live ids per partition (in the <see cref="PartitionLedger"/>). Its methods run on the
    /// consumer thread: the handlers inside <c>Consume</c>, <see cref="Handle"/> after it.
    /// </summary>
    private sealed class Session(KafkaInputs inputs, IObserver<PipelineInput> observer, EventIntake intake, MonitorMetrics metrics, ConsumerHealth health, ILogger logger)
    {
        private readonly PartitionLedger _ledger = new();
        private readonly List<TopicPartitionOffset> _toStore = [];

        /// <summary>The consumer, with this session's handlers for errors, logs, assignment, commits, revocation and loss.</summary>
        public IConsumer<byte[]?, byte[]?> Build(ConsumerConfig config) =>
            new ConsumerBuilder<byte[]?, byte[]?>(config)
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
                .SetPartitionsAssignedHandler(Assigned)
                .SetOffsetsCommittedHandler((_, committed) =>
                {
                    // Runs on this loop's thread, inside Consume: events below a committed offset are
                    // never read again as live events, so their ids need not be forgotten later.
                    foreach (var offset in committed.Offsets)
                    {
                        if (!offset.Error.IsError && !offset.Offset.IsSpecial)
                        {
                            _ledger.Committed(offset.TopicPartition, offset.Offset.Value);
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

        /// <summary>One result of <c>Consume</c> (null when nothing arrived): the message through the intake into the pipeline, then the offsets it allows stored.</summary>
        public void Handle(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?>? result)
        {
            if (result is null)
            {
                // The clock may have moved the watermark meanwhile.
                inputs.StoreApplied(consumer, _ledger, _toStore);
                return;
            }

            if (!_ledger.IsAssigned(result.TopicPartition))
            {
                metrics.EventsNotOwned.Inc();
                return;
            }

            if (result.IsPartitionEOF)
            {
                // Caught up: an idle partition must not hold event time back.
                Rebuilt(result.TopicPartition);
                observer.OnNext(PipelineInput.SourceIdle(_ledger.SourceOf(result.TopicPartition)));
                return;
            }

            var origin = result.TopicPartitionOffset.ToString();
            var topic = Names.TryParseTopic(result.Topic, out var parsed) ? parsed : (Topic?)null;
            var replayed = _ledger.IsReplay(result.TopicPartition, result.Offset.Value);
            var e = replayed
                ? intake.AcceptReplayed(topic, result.Message.Value ?? [], _ledger.RebuildIds!)
                : intake.Accept(result.Topic, topic, result.Message.Key, result.Message.Value ?? [], origin);
            if (e is not null)
            {
                if (!replayed)
                {
                    _ledger.ReadLive(result.TopicPartition, result.Offset.Value, e.EventId);
                }

                observer.OnNext(PipelineInput.Of(e, _ledger.SourceOf(result.TopicPartition)));
            }

            if (_ledger.EndsRebuild(result.TopicPartition, result.Offset.Value))
            {
                Rebuilt(result.TopicPartition);
            }

            // A rejected or duplicate message needs nothing applied: it only waits for those before it.
            _ledger.Read(result.TopicPartition, result.Offset.Value, e?.TimestampMs);
            inputs.StoreApplied(consumer, _ledger, _toStore);
        }

        private List<TopicPartitionOffset> Assigned(IConsumer<byte[]?, byte[]?> assigned, List<TopicPartition> partitions)
        {
            health.Adjust(partitions.Count);
            _ledger.Assign(partitions);
            var starts = inputs.StartOffsets(assigned, partitions, _ledger);
            foreach (var start in starts)
            {
                var source = _ledger.SourceOf(start.TopicPartition);
                observer.OnNext(PipelineInput.SourceOpened(source));
                if (start.Offset.IsSpecial)
                {
                    continue;
                }

                var committed = _ledger.StartRebuild(start.TopicPartition);
                observer.OnNext(PipelineInput.SourceRebuilding(source));
                logger.LogInformation("Rebuilding {Partition} from offset {Start} up to the committed {Committed}", start.TopicPartition, start.Offset.Value, committed);
            }

            logger.LogInformation("Assigned {Partitions}", string.Join(", ", partitions));
            return starts;
        }

        private void Rebuilt(TopicPartition partition)
        {
            if (_ledger.EndRebuild(partition))
            {
                observer.OnNext(PipelineInput.SourceRebuilt(_ledger.SourceOf(partition)));
                logger.LogInformation("Rebuilt state of {Partition} from the look-back", partition);
            }
        }

        private void Close(IEnumerable<TopicPartition> partitions)
        {
            foreach (var partition in partitions)
            {
                var closed = _ledger.Close(partition);

                // Not ours any more: its lag is the new owner's to report (a stale value here would
                // add to the group's total).
                metrics.ConsumerLag.RemoveLabelled(partition.Topic, partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (closed.LiveIds.Count > 0)
                {
                    intake.Forget(closed.LiveIds);
                }

                if (closed.WasRebuilding)
                {
                    observer.OnNext(PipelineInput.SourceRebuilt(_ledger.SourceOf(partition)));
                    logger.LogInformation("Rebuilt state of {Partition} from the look-back", partition);
                }

                if (closed.Source is { } id)
                {
                    observer.OnNext(PipelineInput.SourceRevoked(id));
                }
            }
        }
    }
}
