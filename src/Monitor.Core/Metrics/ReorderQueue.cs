namespace Monitor.Core.Metrics;

/// <summary>
/// The ship-on-time events waiting for the watermark, in (ts, causal rank, eventId) order. Most
/// arrive in that order: they go to a first-in first-out ring, O(1) each way. The others wait in a
/// binary heap of slot indices over events kept by value in a slot array, so a sift moves ints (no
/// struct copies with write barriers) and the slots are reused (no allocation per event). The next
/// event is the smaller of the ring's head and the heap's top.
/// </summary>
internal sealed class ReorderQueue
{
    private OrderedEvent[] _ring = new OrderedEvent[64];
    private int _ringHead;
    private int _ringCount;

    private OrderedEvent[] _slots = new OrderedEvent[64];
    private int[] _heap = new int[64];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _used;

    /// <summary>Events in the heap (not in order on arrival).</summary>
    private int HeapCount { get; set; }

    public int Count => HeapCount + _ringCount;

    public void Enqueue(in OrderedEvent e)
    {
        if (_ringCount == 0 || CompareEvents(e, _ring[(_ringHead + _ringCount - 1) & (_ring.Length - 1)]) >= 0)
        {
            if (_ringCount == _ring.Length)
            {
                var bigger = new OrderedEvent[_ring.Length * 2];
                for (var k = 0; k < _ringCount; k++)
                {
                    bigger[k] = _ring[(_ringHead + k) & (_ring.Length - 1)];
                }

                _ring = bigger;
                _ringHead = 0;
            }

            _ring[(_ringHead + _ringCount) & (_ring.Length - 1)] = e;
            _ringCount++;
            return;
        }

        EnqueueHeap(e);
    }

    private void EnqueueHeap(in OrderedEvent e)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_used == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            slot = _used++;
        }

        _slots[slot] = e;
        if (HeapCount == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        var i = HeapCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (Compare(slot, _heap[parent]) >= 0)
            {
                break;
            }

            _heap[i] = _heap[parent];
            i = parent;
        }

        _heap[i] = slot;
    }

    /// <summary>The first event in order; only valid while <see cref="Count"/> &gt; 0.</summary>
    public ref readonly OrderedEvent Peek()
    {
        if (HeapCount == 0 || (_ringCount > 0 && CompareEvents(_ring[_ringHead], _slots[_heap[0]]) <= 0))
        {
            return ref _ring[_ringHead];
        }

        return ref _slots[_heap[0]];
    }

    public OrderedEvent Dequeue()
    {
        if (HeapCount == 0 || (_ringCount > 0 && CompareEvents(_ring[_ringHead], _slots[_heap[0]]) <= 0))
        {
            var first = _ring[_ringHead];
            _ring[_ringHead] = default;
            _ringHead = (_ringHead + 1) & (_ring.Length - 1);
            _ringCount--;
            return first;
        }

        return DequeueHeap();
    }

    private OrderedEvent DequeueHeap()
    {
        var top = _heap[0];
        var e = _slots[top];
        _slots[top] = default;
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }

        _free[_freeCount++] = top;
        var last = _heap[--HeapCount];
        if (HeapCount > 0)
        {
            var i = 0;
            while (true)
            {
                var child = (2 * i) + 1;
                if (child >= HeapCount)
                {
                    break;
                }

                if (child + 1 < HeapCount && Compare(_heap[child + 1], _heap[child]) < 0)
                {
                    child++;
                }

                if (Compare(last, _heap[child]) <= 0)
                {
                    break;
                }

                _heap[i] = _heap[child];
                i = child;
            }

            _heap[i] = last;
        }

        return e;
    }

    /// <summary>Removes every event of a shop in <paramref name="shops"/> (a revoked partition's).</summary>
    public void RemoveShops(IReadOnlySet<string> shops)
    {
        var keep = Items().Where(e => !shops.Contains(e.ShopId)).ToList();
        keep.Sort((x, y) => CompareEvents(x, y));
        Clear();
        foreach (var e in keep)
        {
            Enqueue(e);
        }
    }

    /// <summary>Every waiting event, in no particular order.</summary>
    public IEnumerable<OrderedEvent> Items()
    {
        for (var i = 0; i < _ringCount; i++)
        {
            yield return _ring[(_ringHead + i) & (_ring.Length - 1)];
        }

        for (var i = 0; i < HeapCount; i++)
        {
            yield return _slots[_heap[i]];
        }
    }

    public void Clear()
    {
        Array.Clear(_slots, 0, _used);
        Array.Clear(_ring);
        HeapCount = 0;
        _used = 0;
        _freeCount = 0;
        _ringHead = 0;
        _ringCount = 0;
    }

    private int Compare(int a, int b) => CompareEvents(_slots[a], _slots[b]);

    private static int CompareEvents(in OrderedEvent x, in OrderedEvent y)
    {
        var byTime = x.TimestampMs.CompareTo(y.TimestampMs);
        if (byTime != 0)
        {
            return byTime;
        }

        var byRank = x.Rank.CompareTo(y.Rank);
        return byRank != 0 ? byRank : string.CompareOrdinal(x.EventId, y.EventId);
    }
}
