using Confluent.Kafka;

namespace Monitor.Kafka;

/// <summary>
/// Where a newly assigned partition's look-back rebuild starts (docs/reliability.md, "Rebuild on
/// assignment"): the decision of <see cref="KafkaInputs"/> once the broker has answered, apart from
/// the broker, so the production path (offsets for times) is tested although the embedded broker
/// cannot answer it.
/// </summary>
internal static class LookBackStart
{
    /// <summary>
    /// The offset to rebuild from, or null to start at the committed offset without a rebuild.
    /// <paramref name="byTime"/> is the broker's answer for now − look-back (the first offset at or
    /// after it; <see cref="Offset.End"/> when no message is that recent). A broker without a time index
    /// (the embedded one: every answer is −1) rebuilds from <paramref name="lowWatermark"/>, the oldest
    /// retained message. There is nothing to rebuild without a committed offset (a new group reads from
    /// the start anyway) or when the look-back begins at or after it.
    /// </summary>
    public static Offset? RebuildFrom(Offset committed, Offset byTime, Func<Offset> lowWatermark, bool brokerHasTimeIndex)
    {
        if (committed.IsSpecial)
        {
            return null;
        }

        var from = byTime.IsSpecial && !brokerHasTimeIndex ? lowWatermark() : byTime;
        return from.IsSpecial || from.Value >= committed.Value ? null : from;
    }
}
