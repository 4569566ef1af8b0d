using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Monitor.Kafka;

namespace Monitor.Tests.Kafka;

/// <summary>
/// The consumer's per-partition bookkeeping without a broker (issue 17, item 3): which offset it may
/// store given what it read and the engine's watermark, the rebuild ceiling, the live ids a
/// revocation makes the intake forget, and what closing a partition leaves to do.
/// </summary>
public sealed class PartitionLedgerTests
{
    private static readonly TopicPartition P0 = new("chats", 0);
    private static readonly TopicPartition P1 = new("chats", 1);

    [Fact]
    public void AnEventStillWaiting_HoldsBackItsPartition_AndOnlyItsPartition()
    {
        var ledger = new PartitionLedger();
        ledger.Read(P0, 0, eventMs: 1_000);
        ledger.Read(P0, 1, eventMs: 60_000); // waits in the reorder buffer
        ledger.Read(P0, 2, eventMs: 2_000);
        ledger.Read(P1, 0, eventMs: null);   // rejected: nothing to apply

        Assert.Equal([new TopicPartitionOffset(P0, 1), new TopicPartitionOffset(P1, 1)], Applied(ledger, 55_000));
        Assert.Empty(Applied(ledger, 55_000));
        Assert.Equal([new TopicPartitionOffset(P0, 3)], Applied(ledger, 60_001));
    }

    [Fact]
    public void NothingAtOrBelowTheFloor_IsStored_AndClosingAPartitionDropsItsFloor()
    {
        var ledger = new PartitionLedger();
        ledger.SetFloor(P0, 5);
        for (var offset = 0; offset < 5; offset++)
        {
            ledger.Read(P0, offset, eventMs: 1_000);
        }

        Assert.Empty(Applied(ledger, 2_000)); // the re-read below the committed offset 5
        ledger.Read(P0, 5, eventMs: 1_500);
        Assert.Equal([new TopicPartitionOffset(P0, 6)], Applied(ledger, 2_000));

        ledger.Close(P0);
        Assert.False(ledger.TryGetFloor(P0, out _));
        ledger.Read(P0, 0, eventMs: 1_000);
        Assert.Equal([new TopicPartitionOffset(P0, 1)], Applied(ledger, 2_000));
    }

    [Fact]
    public void ARebuild_ReplaysBelowTheCommittedOffset_EndsOnce_AndDropsItsDeduplicatorWithTheLast()
    {
        var ledger = new PartitionLedger();
        ledger.Assign([P0, P1]);
        ledger.SetFloor(P0, 3);
        ledger.SetFloor(P1, 1);
        Assert.Equal(3, ledger.StartRebuild(P0));
        Assert.Equal(1, ledger.StartRebuild(P1));
        Assert.NotNull(ledger.RebuildIds);

        Assert.True(ledger.IsReplay(P0, 2));
        Assert.False(ledger.IsReplay(P0, 3));
        Assert.False(ledger.EndsRebuild(P0, 1));
        Assert.True(ledger.EndsRebuild(P0, 2));
        Assert.True(ledger.EndRebuild(P0));
        Assert.False(ledger.EndRebuild(P0));
        Assert.False(ledger.IsReplay(P0, 0));
        Assert.NotNull(ledger.RebuildIds); // P1 still rebuilds

        var closed = ledger.Close(P1);
        Assert.True(closed.WasRebuilding);
        Assert.Null(ledger.RebuildIds);
        Assert.False(ledger.IsAssigned(P1));
        Assert.True(ledger.IsAssigned(P0));
    }

    [Fact]
    public void LiveIds_BelowACommittedOffset_AreDropped_TheRestAreForgottenOnClose()
    {
        var ledger = new PartitionLedger();
        ledger.Assign([P0]);
        var source = ledger.SourceOf(P0);
        for (var offset = 0; offset < 5; offset++)
        {
            ledger.ReadLive(P0, offset, $"e{offset}");
        }

        ledger.Committed(P0, 3);
        Assert.Equal(2, ledger.LiveIds(P0));

        var closed = ledger.Close(P0);
        Assert.Equal(["e3", "e4"], closed.LiveIds);
        Assert.False(closed.WasRebuilding);
        Assert.Equal(source, closed.Source);
        Assert.Equal(0, ledger.LiveIds(P0));

        // A partition seen again keeps its source: the engine's per-source state stays consistent.
        ledger.Assign([P0]);
        Assert.Equal(source, ledger.SourceOf(P0));
        Assert.NotEqual(source, ledger.SourceOf(P1));
    }

    /// <summary>
    /// Random reads over two partitions, with a watermark that only moves forward and a floor: every
    /// stored offset o has all messages below it applied (and above the floor), stored offsets only
    /// grow, and once the watermark passes every event the last message is stored.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property StoresOnlyWhatIsApplied_InOrder_AndEverythingInTheEnd() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var ledger = new PartitionLedger();
            var floors = new Dictionary<TopicPartition, long> { [P0] = random.Next(0, 20), [P1] = 0 };
            ledger.SetFloor(P0, floors[P0]);
            var read = new Dictionary<TopicPartition, List<long?>> { [P0] = [], [P1] = [] };
            var stored = new Dictionary<TopicPartition, long> { [P0] = 0, [P1] = 0 };
            long watermark = 0;
            for (var step = 0; step < 200; step++)
            {
                if (random.Next(3) > 0)
                {
                    var partition = random.Next(2) == 0 ? P0 : P1;
                    long? eventMs = random.Next(6) == 0 ? null : watermark - 5_000 + random.Next(0, 60_000);
                    ledger.Read(partition, read[partition].Count, eventMs);
                    read[partition].Add(eventMs);
                }
                else
                {
                    watermark += random.Next(0, 10_000);
                }

                foreach (var position in Applied(ledger, watermark))
                {
                    var events = read[position.TopicPartition];
                    var offset = position.Offset.Value;
                    var unappliedBelow = events.Take((int)offset).Any(ms => ms is { } t && t >= watermark);
                    if (unappliedBelow || offset <= stored[position.TopicPartition] || offset <= floors[position.TopicPartition])
                    {
                        return false.Label($"step {step}: stored {position} at watermark {watermark} (before: {stored[position.TopicPartition]})");
                    }

                    stored[position.TopicPartition] = offset;
                }
            }

            Applied(ledger, long.MaxValue).ForEach(position => stored[position.TopicPartition] = position.Offset.Value);
            return (Expected(P0) == stored[P0] && Expected(P1) == stored[P1]).Label($"in the end stored {stored[P0]}, {stored[P1]}");

            long Expected(TopicPartition partition) => read[partition].Count > floors[partition] ? read[partition].Count : 0;
        });

    private static List<TopicPartitionOffset> Applied(PartitionLedger ledger, long watermarkMs)
    {
        var store = new List<TopicPartitionOffset>();
        ledger.Applied(watermarkMs, store);
        return store;
    }
}
