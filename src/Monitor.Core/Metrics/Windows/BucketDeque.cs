namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Buckets keyed by a bucket index in ascending order, stored sparsely in a circular array: only
/// buckets that received something exist. Appending at the end (the newest bucket) and dropping
/// from the front (the oldest) are O(1); a bucket in the middle (a late or out-of-order event) is
/// found by binary search and inserted with a shift.
/// </summary>
internal sealed class BucketDeque<T>
    where T : struct
{
    private long[] _keys = new long[2];
    private T[] _values = new T[2];
    private int _head;
    private int _count;

    public int Count => _count;

    public long KeyAt(int i) => _keys[(_head + i) & (_keys.Length - 1)];

    public ref T ValueAt(int i) => ref _values[(_head + i) & (_keys.Length - 1)];

    public long FirstKey => _keys[_head];

    public long LastKey => KeyAt(_count - 1);

    /// <summary>Index of the bucket with <paramref name="key"/>, or the bitwise complement of where it would be inserted.</summary>
    public int Find(long key)
    {
        if (_count == 0)
        {
            return ~0;
        }

        var last = KeyAt(_count - 1);
        if (key == last)
        {
            return _count - 1;
        }

        if (key > last)
        {
            return ~_count;
        }

        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var k = KeyAt(mid);
            if (k == key)
            {
                return mid;
            }

            if (k < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>The bucket with <paramref name="key"/>, created (default) when missing.</summary>
    public ref T GetOrAdd(long key)
    {
        var i = Find(key);
        if (i >= 0)
        {
            return ref ValueAt(i);
        }

        i = ~i;
        if (_count == _keys.Length)
        {
            Grow();
        }

        var mask = _keys.Length - 1;
        for (var j = _count; j > i; j--)
        {
            _keys[(_head + j) & mask] = _keys[(_head + j - 1) & mask];
            _values[(_head + j) & mask] = _values[(_head + j - 1) & mask];
        }

        _keys[(_head + i) & mask] = key;
        _values[(_head + i) & mask] = default;
        _count++;
        return ref _values[(_head + i) & mask];
    }

    public void RemoveFirst()
    {
        _values[_head] = default;
        _head = (_head + 1) & (_keys.Length - 1);
        _count--;
    }

    /// <summary>Removes the bucket at <paramref name="i"/> (a bucket that became empty).</summary>
    public void RemoveAt(int i)
    {
        var mask = _keys.Length - 1;
        for (var j = i; j < _count - 1; j++)
        {
            _keys[(_head + j) & mask] = _keys[(_head + j + 1) & mask];
            _values[(_head + j) & mask] = _values[(_head + j + 1) & mask];
        }

        _values[(_head + _count - 1) & mask] = default;
        _count--;
    }

    private void Grow()
    {
        var keys = new long[_keys.Length * 2];
        var values = new T[_keys.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            keys[i] = KeyAt(i);
            values[i] = ValueAt(i);
        }

        _keys = keys;
        _values = values;
        _head = 0;
    }
}
