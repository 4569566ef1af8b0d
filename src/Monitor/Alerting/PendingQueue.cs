namespace Monitor.Alerting;

/// <summary>
/// A bounded first-in first-out queue of notifications waiting for delivery. <see cref="PeekInto"/>
/// hands out the oldest items and keeps them "in flight" until <see cref="RemoveThrough"/> settles
/// them (a failed batch is handed out again, first). The bound applies to items not yet in flight:
/// when full, the oldest waiting item is dropped, never one already being sent. Not thread-safe: the
/// owner locks.
/// </summary>
internal sealed class PendingQueue<T>(int capacity)
{
    private readonly List<(long Sequence, T Item)> _inFlight = [];
    private readonly Queue<(long Sequence, T Item)> _waiting = new();
    private long _lastSequence;

    public int Count => _inFlight.Count + _waiting.Count;

    /// <summary>Appends <paramref name="item"/>; returns how many waiting items were dropped to make room (0 or 1).</summary>
    public int Add(T item)
    {
        var dropped = 0;
        if (_waiting.Count >= capacity)
        {
            _waiting.Dequeue();
            dropped = 1;
        }

        _waiting.Enqueue((++_lastSequence, item));
        return dropped;
    }

    /// <summary>
    /// Adds the items in flight, then the oldest waiting ones, to <paramref name="batch"/> until it holds
    /// <paramref name="max"/>; returns the last one's sequence (0 when none).
    /// </summary>
    public long PeekInto(ICollection<T> batch, int max)
    {
        var last = 0L;
        foreach (var (sequence, item) in _inFlight)
        {
            if (batch.Count >= max)
            {
                return last;
            }

            batch.Add(item);
            last = sequence;
        }

        while (batch.Count < max && _waiting.TryDequeue(out var next))
        {
            _inFlight.Add(next);
            batch.Add(next.Item);
            last = next.Sequence;
        }

        return last;
    }

    /// <summary>Forgets every item in flight up to and including <paramref name="sequence"/>.</summary>
    public void RemoveThrough(long sequence) => _inFlight.RemoveAll(entry => entry.Sequence <= sequence);
}
