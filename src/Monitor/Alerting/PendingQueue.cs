namespace Monitor.Alerting;

/// <summary>
/// A bounded first-in first-out queue of notifications waiting for delivery. The loop peeks a batch
/// and removes it once settled, by sequence number, so an item dropped for room meanwhile (oldest
/// first) never makes it remove the wrong ones. Not thread-safe: the owner locks.
/// </summary>
internal sealed class PendingQueue<T>(int capacity)
{
    private readonly Queue<(long Sequence, T Item)> _items = new();
    private long _lastSequence;

    public int Count => _items.Count;

    /// <summary>Appends <paramref name="item"/>; returns how many of the oldest were dropped to make room (0 or 1).</summary>
    public int Add(T item)
    {
        var dropped = 0;
        if (_items.Count >= capacity)
        {
            _items.Dequeue();
            dropped = 1;
        }

        _items.Enqueue((++_lastSequence, item));
        return dropped;
    }

    /// <summary>Adds the oldest items to <paramref name="batch"/> until it holds <paramref name="max"/>; returns the last one's sequence (0 when none).</summary>
    public long PeekInto(ICollection<T> batch, int max)
    {
        var last = 0L;
        foreach (var (sequence, item) in _items)
        {
            if (batch.Count >= max)
            {
                break;
            }

            batch.Add(item);
            last = sequence;
        }

        return last;
    }

    /// <summary>Removes every item up to and including <paramref name="sequence"/>.</summary>
    public void RemoveThrough(long sequence)
    {
        while (_items.TryPeek(out var head) && head.Sequence <= sequence)
        {
            _items.Dequeue();
        }
    }
}
