using FsCheck;
using FsCheck.Xunit;
using Monitor.Core.Events;

namespace Monitor.Core.Tests.Events;

public sealed class EventIdDeduplicatorTests
{
    private const int Capacity = 100;

    [Fact]
    public void FirstSighting_IsTrue_RepeatIsFalse()
    {
        var dedup = new EventIdDeduplicator(Capacity);

        Assert.True(dedup.FirstSeen("evt-1"));
        Assert.False(dedup.FirstSeen("evt-1"));
        Assert.False(dedup.FirstSeen("evt-1"));
        Assert.True(dedup.FirstSeen("evt-2"));
        Assert.False(dedup.FirstSeen("evt-2"));
    }

    [Fact]
    public void Ids_AreComparedExactly()
    {
        var dedup = new EventIdDeduplicator(Capacity);

        Assert.True(dedup.FirstSeen("evt-1"));
        Assert.True(dedup.FirstSeen("EVT-1"));
        Assert.True(dedup.FirstSeen("evt-1 "));
        Assert.True(dedup.FirstSeen("évt-1"));
        Assert.True(dedup.FirstSeen(""));
        Assert.False(dedup.FirstSeen(""));
    }

    [Fact]
    public void Repeats_DoNotCountAsNewIds()
    {
        var dedup = new EventIdDeduplicator(Capacity);
        dedup.FirstSeen("first");

        for (var i = 0; i < Capacity * 10; i++)
        {
            Assert.False(dedup.FirstSeen("first"));
        }

        Assert.False(dedup.FirstSeen("first"));
    }

    /// <summary>
    /// Whatever the generation phase when an id arrives, it is still recognised after
    /// Capacity/2 − 1 newer ids (the guarantee of two half-capacity generations).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Capacity / 4)]
    [InlineData(Capacity / 2 - 2)]
    [InlineData(Capacity / 2 - 1)]
    [InlineData(Capacity / 2)]
    [InlineData(Capacity - 1)]
    public void Id_IsRemembered_WhileWithinHalfCapacityOfNewerIds(int idsBefore)
    {
        var dedup = new EventIdDeduplicator(Capacity);
        Feed(dedup, "before", idsBefore);
        Assert.True(dedup.FirstSeen("target"));

        Feed(dedup, "after", (Capacity / 2) - 1);

        Assert.False(dedup.FirstSeen("target"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Capacity / 2 - 1)]
    [InlineData(Capacity / 2)]
    [InlineData(Capacity - 3)]
    public void Memory_IsBounded_IdIsForgottenAfterTwiceCapacityNewerIds(int idsBefore)
    {
        var dedup = new EventIdDeduplicator(Capacity);
        Feed(dedup, "before", idsBefore);
        Assert.True(dedup.FirstSeen("target"));

        Feed(dedup, "after", Capacity * 2);

        Assert.True(dedup.FirstSeen("target"));
    }

    [Fact]
    public void RecentIds_AreAllRemembered_AfterManyGenerations()
    {
        var dedup = new EventIdDeduplicator(Capacity);
        Feed(dedup, "old", Capacity * 7 + 13);
        Feed(dedup, "recent", (Capacity / 2) - 1);

        for (var i = 0; i < (Capacity / 2) - 1; i++)
        {
            Assert.False(dedup.FirstSeen($"recent-{i}"), $"recent-{i} was forgotten");
        }
    }

    [Fact]
    public void Capacity_BelowTwo_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventIdDeduplicator(1));
    }

    private static void Feed(EventIdDeduplicator dedup, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(dedup.FirstSeen($"{prefix}-{i}"), $"{prefix}-{i} was taken for a repeat");
        }
    }

    [Fact]
    public void Hash_OfAMillionSequentialIds_HasNoCollision()
    {
        // Sequential ids differ in one or two characters: the case a weak hash gets wrong.
        var seen = new HashSet<ulong>();
        for (var i = 0; i < 1_000_000; i++)
        {
            Assert.True(seen.Add(EventIdDeduplicator.Hash($"ev-42-{i}")), $"collision at ev-42-{i}");
        }
    }

    [Fact]
    public void Forget_MakesAnIdNewAgain_InEitherGeneration()
    {
        var dedup = new EventIdDeduplicator(capacity: 4);
        Assert.True(dedup.FirstSeen("a"));
        Assert.True(dedup.FirstSeen("b")); // the young generation is full: "a" and "b" move to the old one
        Assert.True(dedup.FirstSeen("c"));

        dedup.Forget("a");
        dedup.Forget("c");

        Assert.False(dedup.FirstSeen("b"));
        Assert.True(dedup.FirstSeen("a"));
        Assert.True(dedup.FirstSeen("c"));
    }
    /// <summary>
    /// Any mix of sightings and forgetting, against a model of the two generations as sets. Small
    /// tables and ids from a small pool make long probe runs that wrap around the table, and runs
    /// of the two interleaved generations that cross each other, shift back on deletion, and reset.
    /// </summary>
    [Property(MaxTest = 200)]
    public void Answers_AsTwoGenerationsOfSets_ForAnyOperations(PositiveInt capacitySeed, int seed)
    {
        var capacity = 2 + capacitySeed.Get % 40;
        var random = new Random(seed);
        var dedup = new EventIdDeduplicator(capacity);
        var young = new HashSet<string>();
        var old = new HashSet<string>();
        for (var step = 0; step < 2_000; step++)
        {
            var id = $"ev-{random.Next(3 * capacity)}";
            if (random.Next(4) == 0)
            {
                dedup.Forget(id);
                young.Remove(id);
                old.Remove(id);
                continue;
            }

            var expected = !young.Contains(id) && !old.Contains(id);
            if (expected)
            {
                young.Add(id);
                if (young.Count >= capacity / 2)
                {
                    (old, young) = (young, []);
                }
            }

            Assert.Equal(expected, dedup.FirstSeen(id));
        }
    }
}
