namespace Monitor.Core.Metrics;

/// <summary>Where an order stands relative to the ship-on-time window.</summary>
internal enum OrderStage : byte
{
    /// <summary>Deadline not yet passed by a boundary.</summary>
    Pending,

    /// <summary>Deadline in the window: counted as due (on time or late).</summary>
    Due,

    /// <summary>Deadline left the window, or excluded from due (cancelled before the deadline).</summary>
    Gone,
}

/// <summary>
/// One open order: longs and flags only, no lists. About 96 bytes of object; with its dictionary
/// entry, id string and queue/set entries well under 512 bytes (see the memory test).
/// Times are epoch milliseconds, <see cref="long.MinValue"/> when the event has not happened.
/// </summary>
internal sealed class OrderItem(string id, long sequence, long deadlineMs)
{
    public string Id { get; } = id;
    public long Sequence { get; } = sequence;
    public long DeadlineMs { get; } = deadlineMs;
    public long ShippedMs { get; set; } = long.MinValue;
    public long CancelledMs { get; set; } = long.MinValue;
    public long DeliveredMs { get; set; } = long.MinValue;

    /// <summary>Last tracking update, or the ship time when none came yet.</summary>
    public long LastTrackMs { get; set; } = long.MinValue;
    public long LastEventMs { get; set; } = long.MinValue;
    public OrderStage Stage { get; set; }

    /// <summary>While <see cref="Stage"/> is Due: counted on time (else late).</summary>
    public bool CountedOnTime { get; set; }
    public bool Overdue { get; set; }
    public bool InTransit { get; set; }
    public bool Stalled { get; set; }
    public bool Forgotten { get; set; }

    public bool CancelledBeforeDeadline => CancelledMs != long.MinValue && CancelledMs < DeadlineMs;

    public bool ShippedOnTime => ShippedMs != long.MinValue && ShippedMs <= DeadlineMs;
}

/// <summary>One open refund: request time, amount (missing = 0), and the last event applied to it.</summary>
internal sealed class RefundItem(string id, long sequence, long requestedMs, double amount)
{
    public string Id { get; } = id;
    public long Sequence { get; } = sequence;
    public long RequestedMs { get; } = requestedMs;
    public double Amount { get; } = amount;
}

/// <summary>Orders a sorted set by time, then by arrival sequence (unique), and carries the item.</summary>
internal readonly record struct TimedKey<T>(long TimeMs, long Sequence, T Item) : IComparable<TimedKey<T>>
{
    public int CompareTo(TimedKey<T> other)
    {
        var byTime = TimeMs.CompareTo(other.TimeMs);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }
}

/// <summary>An open item for per-item timers: its id and when it started waiting (or fell due), epoch ms.</summary>
public readonly record struct OpenItem(string Id, long SinceMs)
{
    internal static IEnumerable<OpenItem> Of<T>(SortedSet<TimedKey<T>> items, Func<T, string> id)
    {
        foreach (var key in items)
        {
            yield return new OpenItem(id(key.Item), key.TimeMs);
        }
    }
}

/// <summary>A reusable cursor over a sorted set of timed keys (overdue orders).</summary>
internal sealed class TimedKeyCursor<T>(SortedSet<TimedKey<T>> items, Func<T, string> id) : OpenItemCursor
{
    private SortedSet<TimedKey<T>>.Enumerator _enumerator;

    public TimedKeyCursor<T> Reset()
    {
        _enumerator = items.GetEnumerator();
        return this;
    }

    public override bool Next(out OpenItem item)
    {
        if (_enumerator.MoveNext())
        {
            var key = _enumerator.Current;
            item = new OpenItem(id(key.Item), key.TimeMs);
            return true;
        }

        item = default;
        return false;
    }
}
