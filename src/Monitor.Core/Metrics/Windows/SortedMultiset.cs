namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// An exact sorted multiset of whole numbers (millisecond durations) for nearest-rank percentiles
/// over a sliding window: a list of sorted chunks of at most <see cref="ChunkCapacity"/> values.
/// Insert and remove cost a binary search and a shift within one chunk; the value at a rank costs
/// a walk over chunk counts (n / 128 steps), never a sort. Chunk arrays come from a per-thread pool,
/// so a window that keeps its size allocates nothing.
/// </summary>
internal sealed class SortedMultiset
{
    private const int ChunkCapacity = 64;

    private long[][] _chunks = new long[1][];
    private int[] _counts = new int[1];
    private int _chunkCount;

    public int Count { get; private set; }

    public long Max => _chunks[_chunkCount - 1][_counts[_chunkCount - 1] - 1];

    public long Min => _chunks[0][0];

    public void Add(long value)
    {
        if (_chunkCount == 0)
        {
            _chunks[0] = PooledArrays<long>.Rent(8);
            _counts[0] = 0;
            _chunkCount = 1;
        }

        var c = ChunkFor(value);
        var chunk = _chunks[c];
        var count = _counts[c];
        if (count == chunk.Length)
        {
            if (chunk.Length < ChunkCapacity)
            {
                var bigger = PooledArrays<long>.Rent(chunk.Length * 2);
                Array.Copy(chunk, bigger, count);
                PooledArrays<long>.Return(chunk);
                _chunks[c] = chunk = bigger;
            }
            else
            {
                Split(c);
                if (value > _chunks[c][_counts[c] - 1])
                {
                    c++;
                }

                chunk = _chunks[c];
                count = _counts[c];
            }
        }

        var at = UpperBound(chunk, count, value);
        Array.Copy(chunk, at, chunk, at + 1, count - at);
        chunk[at] = value;
        _counts[c] = count + 1;
        Count++;
    }

    /// <summary>Removes one occurrence of <paramref name="value"/>; false when there is none.</summary>
    public bool Remove(long value)
    {
        if (Count == 0)
        {
            return false;
        }

        var c = ChunkFor(value);
        var chunk = _chunks[c];
        var count = _counts[c];
        var at = LowerBound(chunk, count, value);
        if (at == count || chunk[at] != value)
        {
            return false;
        }

        Array.Copy(chunk, at + 1, chunk, at, count - at - 1);
        _counts[c] = --count;
        Count--;
        if (count == 0)
        {
            RemoveChunk(c);
        }
        else if (count < ChunkCapacity / 4 && c + 1 < _chunkCount && count + _counts[c + 1] <= ChunkCapacity / 2)
        {
            Merge(c);
        }

        return true;
    }

    /// <summary>The value at 1-based <paramref name="rank"/> in ascending order.</summary>
    public long AtRank(long rank)
    {
        var remaining = rank;
        for (var c = 0; c < _chunkCount; c++)
        {
            if (remaining <= _counts[c])
            {
                return _chunks[c][remaining - 1];
            }

            remaining -= _counts[c];
        }

        throw new ArgumentOutOfRangeException(nameof(rank), rank, $"only {Count} values");
    }

    /// <summary>How many values are at most <paramref name="value"/>.</summary>
    public long CountAtMost(long value)
    {
        if (Count == 0)
        {
            return 0;
        }

        long below = 0;
        for (var c = 0; c < _chunkCount; c++)
        {
            var count = _counts[c];
            var chunk = _chunks[c];
            if (chunk[count - 1] <= value)
            {
                below += count;
                continue;
            }

            return below + UpperBound(chunk, count, value);
        }

        return below;
    }

    public void Clear()
    {
        for (var c = 0; c < _chunkCount; c++)
        {
            PooledArrays<long>.Return(_chunks[c]);
            _chunks[c] = null!;
        }

        _chunkCount = 0;
        Count = 0;
    }

    /// <summary>The first chunk whose last value is at least <paramref name="value"/>, else the last chunk.</summary>
    private int ChunkFor(long value)
    {
        int lo = 0, hi = _chunkCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_chunks[mid][_counts[mid] - 1] >= value)
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

    private void Split(int c)
    {
        EnsureChunkSlots();
        Array.Copy(_chunks, c + 1, _chunks, c + 2, _chunkCount - c - 1);
        Array.Copy(_counts, c + 1, _counts, c + 2, _chunkCount - c - 1);
        var half = _counts[c] / 2;
        var upper = PooledArrays<long>.Rent(ChunkCapacity);
        Array.Copy(_chunks[c], half, upper, 0, _counts[c] - half);
        _chunks[c + 1] = upper;
        _counts[c + 1] = _counts[c] - half;
        _counts[c] = half;
        _chunkCount++;
    }

    private void Merge(int c)
    {
        var target = _chunks[c];
        var next = _chunks[c + 1];
        var total = _counts[c] + _counts[c + 1];
        if (target.Length < total)
        {
            var bigger = PooledArrays<long>.Rent(ChunkCapacity);
            Array.Copy(target, bigger, _counts[c]);
            PooledArrays<long>.Return(target);
            _chunks[c] = target = bigger;
        }

        Array.Copy(next, 0, target, _counts[c], _counts[c + 1]);
        _counts[c] = total;
        PooledArrays<long>.Return(next);
        Array.Copy(_chunks, c + 2, _chunks, c + 1, _chunkCount - c - 2);
        Array.Copy(_counts, c + 2, _counts, c + 1, _chunkCount - c - 2);
        _chunkCount--;
        _chunks[_chunkCount] = null!;
    }

    private void RemoveChunk(int c)
    {
        if (_chunkCount == 1)
        {
            // Keep one small chunk: a series that empties and refills does not return and rent again.
            return;
        }

        PooledArrays<long>.Return(_chunks[c]);
        Array.Copy(_chunks, c + 1, _chunks, c, _chunkCount - c - 1);
        Array.Copy(_counts, c + 1, _counts, c, _chunkCount - c - 1);
        _chunkCount--;
        _chunks[_chunkCount] = null!;
    }

    private void EnsureChunkSlots()
    {
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length * 2);
            Array.Resize(ref _counts, _counts.Length * 2);
        }
    }

    private static int UpperBound(long[] chunk, int count, long value)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (chunk[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int LowerBound(long[] chunk, int count, long value)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (chunk[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
