namespace Monitor.Alerting;

/// <summary>
/// A bounded first-in first-out queue of notifications waiting for delivery. <see cref="PeekInto(ICollection{T}, int)"/>
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

    /// <summary>Every item, in flight first, then waiting, oldest first.</summary>
    public IEnumerable<T> Items => _inFlight.Concat(_waiting).Select(entry => entry.Item);

    /// <summary>Appends <paramref name="item"/>; returns the waiting item dropped to make room, if one was.</summary>
    public bool Add(T item, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T dropped)
    {
        dropped = default;
        var full = _waiting.Count >= capacity;
        if (full)
        {
            dropped = _waiting.Dequeue().Item;
        }

        _waiting.Enqueue((++_lastSequence, item));
        return full;
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

    /// <summary>As <see cref="PeekInto(ICollection{T}, int)"/>, with each item's sequence (to settle part of a batch).</summary>
    public void PeekInto(ICollection<(long Sequence, T Item)> batch, int max)
    {
        // The items handed out are the first ones in flight, in order.
        var items = new List<T>();
        PeekInto(items, max);
        for (var i = 0; i < items.Count; i++)
        {
            batch.Add(_inFlight[i]);
        }
    }

    /// <summary>Forgets every item in flight up to and including <paramref name="sequence"/>.</summary>
    public void RemoveThrough(long sequence) => _inFlight.RemoveAll(entry => entry.Sequence <= sequence);
}
