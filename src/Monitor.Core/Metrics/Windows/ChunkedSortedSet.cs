namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// A sorted set of small structs in chunks of at most 64 (pooled arrays): the backlogs' waiting
/// items. Unlike <see cref="SortedSet{T}"/> it allocates no node per item, so items that wait for
/// minutes are not promoted into the old generation one object each.
/// </summary>
internal sealed class ChunkedSortedSet<T>
    where T : struct, IComparable<T>
{
    private const int ChunkCapacity = 64;

    private T[][] _chunks = new T[1][];
    private int[] _counts = new int[1];
    private int _chunkCount;

    public int Count { get; private set; }

    /// <summary>The smallest item; only valid while <see cref="Count"/> &gt; 0.</summary>
    public T Min => _chunks[0][0];

    /// <summary>Adds <paramref name="item"/>; false when an equal one is already there.</summary>
    public bool Add(T item)
    {
        if (_chunkCount == 0)
        {
            _chunks[0] = PooledArrays<T>.Rent(4);
            _counts[0] = 0;
            _chunkCount = 1;
        }

        var c = ChunkFor(item);
        var at = Search(c, item);
        if (at >= 0)
        {
            return false;
        }

        at = ~at;
        var chunk = _chunks[c];
        var count = _counts[c];
        if (count == chunk.Length)
        {
            if (chunk.Length < ChunkCapacity)
            {
                _chunks[c] = chunk = PooledArrays<T>.Grow(chunk, count);
            }
            else
            {
                Split(c);
                if (at > _counts[c])
                {
                    at -= _counts[c];
                    c++;
                }

                chunk = _chunks[c];
                count = _counts[c];
            }
        }

        Array.Copy(chunk, at, chunk, at + 1, count - at);
        chunk[at] = item;
        _counts[c] = count + 1;
        Count++;
        return true;
    }

    public bool Remove(T item)
    {
        if (Count == 0)
        {
            return false;
        }

        var c = ChunkFor(item);
        var at = Search(c, item);
        if (at < 0)
        {
            return false;
        }

        var chunk = _chunks[c];
        var count = _counts[c] - 1;
        Array.Copy(chunk, at + 1, chunk, at, count - at);
        chunk[count] = default;
        _counts[c] = count;
        Count--;
        if (count == 0)
        {
            RemoveChunk(c);
        }

        return true;
    }

    /// <summary>The stored item equal to <paramref name="key"/> (it may carry more than the comparison reads).</summary>
    public bool TryGetValue(T key, out T stored)
    {
        stored = default;
        if (Count == 0)
        {
            return false;
        }

        var c = ChunkFor(key);
        var at = Search(c, key);
        if (at < 0)
        {
            return false;
        }

        stored = _chunks[c][at];
        return true;
    }

    /// <summary>The item at <paramref name="chunk"/>/<paramref name="index"/> in ascending order (start at 0/0), moving past it; false at the end.</summary>
    public bool TryRead(ref int chunk, ref int index, out T item)
    {
        while (chunk < _chunkCount)
        {
            if (index < _counts[chunk])
            {
                item = _chunks[chunk][index++];
                return true;
            }

            chunk++;
            index = 0;
        }

        item = default;
        return false;
    }

    /// <summary>Items in ascending order (do not change the set meanwhile).</summary>
    public IEnumerable<T> Ascending()
    {
        for (var c = 0; c < _chunkCount; c++)
        {
            for (var i = 0; i < _counts[c]; i++)
            {
                yield return _chunks[c][i];
            }
        }
    }

    /// <summary>The first chunk whose last item is at least <paramref name="item"/>, else the last chunk.</summary>
    private int ChunkFor(T item)
    {
        int lo = 0, hi = _chunkCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_counts[mid] > 0 && _chunks[mid][_counts[mid] - 1].CompareTo(item) >= 0)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private int Search(int c, T item)
    {
        var chunk = _chunks[c];
        int lo = 0, hi = _counts[c] - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var order = chunk[mid].CompareTo(item);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
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

    private void Split(int c)
    {
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length * 2);
            Array.Resize(ref _counts, _counts.Length * 2);
        }

        Array.Copy(_chunks, c + 1, _chunks, c + 2, _chunkCount - c - 1);
        Array.Copy(_counts, c + 1, _counts, c + 2, _chunkCount - c - 1);
        var half = _counts[c] / 2;
        var upper = PooledArrays<T>.Rent(ChunkCapacity);
        Array.Copy(_chunks[c], half, upper, 0, _counts[c] - half);
        Array.Clear(_chunks[c], half, _counts[c] - half);
        _chunks[c + 1] = upper;
        _counts[c + 1] = _counts[c] - half;
        _counts[c] = half;
        _chunkCount++;
    }

    private void RemoveChunk(int c)
    {
        if (_chunkCount == 1)
        {
            // An empty set keeps one small chunk (a backlog that empties and refills).
            return;
        }

        PooledArrays<T>.Return(_chunks[c]);
        Array.Copy(_chunks, c + 1, _chunks, c, _chunkCount - c - 1);
        Array.Copy(_counts, c + 1, _counts, c, _chunkCount - c - 1);
        _chunkCount--;
        _chunks[_chunkCount] = null!;
    }
}
