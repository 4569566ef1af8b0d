using Confluent.Kafka;
using FsCheck;
using FsCheck.Xunit;
using Monitor.Kafka;

namespace Monitor.Tests.Kafka;

/// <summary>
/// Issue 13 item 13: the production look-back path, where the broker answers offsets for times. The
/// embedded broker answers every lookup by time with −1, so the integration tests rebuild from the
/// oldest retained message; this is the decision on a real broker's answers.
/// </summary>
public sealed class LookBackStartTests
{
    private static Offset NoLowWatermark() => throw new InvalidOperationException("a broker with a time index is never asked for its low watermark");

    [Fact]
    public void TheFirstOffsetOfTheLookBack_BelowTheCommittedOne_IsWhereTheRebuildStarts()
    {
        Assert.Equal(new Offset(700), LookBackStart.RebuildFrom(new Offset(1_000), new Offset(700), NoLowWatermark, brokerHasTimeIndex: true));
    }

    [Fact]
    public void NoMessageAsRecentAsTheLookBack_OnABrokerWithATimeIndex_MeansNothingToRebuild()
    {
        // A real broker answers End when no message is at or after now − look-back: the partition was quiet.
        Assert.Null(LookBackStart.RebuildFrom(new Offset(1_000), Offset.End, NoLowWatermark, brokerHasTimeIndex: true));
    }

    [Fact]
    public void TheEmbeddedBroker_WhichAnswersEveryTimeWithMinusOne_RebuildsFromTheOldestRetainedMessage()
    {
        Assert.Equal(new Offset(40), LookBackStart.RebuildFrom(new Offset(1_000), Offset.End, () => new Offset(40), brokerHasTimeIndex: false));
        Assert.Null(LookBackStart.RebuildFrom(new Offset(40), Offset.End, () => new Offset(40), brokerHasTimeIndex: false));
    }

    [Fact]
    public void WithoutACommittedOffset_OrALookBackStartingAtIt_ThereIsNoRebuild()
    {
        Assert.Null(LookBackStart.RebuildFrom(Offset.Unset, new Offset(5), NoLowWatermark, brokerHasTimeIndex: true));
        Assert.Null(LookBackStart.RebuildFrom(new Offset(1_000), new Offset(1_000), NoLowWatermark, brokerHasTimeIndex: true));
        Assert.Null(LookBackStart.RebuildFrom(new Offset(1_000), new Offset(1_200), NoLowWatermark, brokerHasTimeIndex: true));
    }

    [Property(MaxTest = 500)]
    public bool ARebuild_AlwaysStartsBelowTheCommittedOffset_AndNeverAtASpecialOne(int committed, int byTime, int low, bool timeIndex)
    {
        Offset Of(int value) => value < 0 ? Offset.End : new Offset(value);
        var from = LookBackStart.RebuildFrom(Of(committed), Of(byTime), () => Of(low), timeIndex);
        return from is not { } start || (!start.IsSpecial && committed >= 0 && start.Value < committed);
    }
}
