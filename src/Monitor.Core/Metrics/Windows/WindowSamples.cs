namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Durations in whole milliseconds over a sliding window [b − W, b): per bucket the values (for
/// the step that drops them) with their count, sum and how many are within a limit, and for the
/// window of the next boundary one <see cref="SortedMultiset"/>. So count, mean, the limit ratio
/// and max are O(1) at a boundary and each nearest-rank percentile one walk over chunk counts:
/// exact, no sketch, no sort per boundary. A value can be removed again (re-ordered events).
/// </summary>
internal sealed class WindowSamples(WindowSpec spec, long withinLimitMs = long.MaxValue) : ISampleRead
{
    private readonly BucketDeque<SampleBucket> _buckets = new();
    private readonly SortedMultiset _window = new();
    private long _sum;
    private long _within;
    private long _next = long.MinValue;

    /// <summary>True when no bucket holds a value at or after the start of the next window.</summary>
    public bool IsEmpty => _buckets.Count == 0;

    /// <summary>Values in the window of the prepared boundary.</summary>
    public long Count => _window.Count;

    /// <summary>Sum of the values in the window of the prepared boundary (ms).</summary>
    public long Sum => _sum;

    /// <summary>Values at most the limit, in the window of the prepared boundary.</summary>
    public long Within => _within;

    public long Max => _window.Max;

    /// <summary>Nearest-rank percentile of the window of the prepared boundary: the value at rank ceil(q·n).</summary>
    public long Percentile(int percent) => _window.AtRank(Rank(percent, _window.Count));

    public static long Rank(int percent, long count) => ((percent * count) + 99) / 100;

    public void Add(long timestampMs, long valueMs)
    {
        if (_next != long.MinValue)
        {
            if (timestampMs < _next - spec.WindowMs)
            {
                return;
            }

            if (timestampMs < _next)
            {
                Include(valueMs, 1);
            }
        }

        ref var bucket = ref _buckets.GetOrAdd(spec.BucketOf(timestampMs));
        bucket.Append(valueMs, withinLimitMs);
    }

    /// <summary>Undoes one <see cref="Add"/> of the same value and time.</summary>
    public void Remove(long timestampMs, long valueMs)
    {
        if (_next != long.MinValue && timestampMs < _next - spec.WindowMs)
        {
            return;
        }

        var i = _buckets.Find(spec.BucketOf(timestampMs));
        if (i < 0 || !_buckets.ValueAt(i).RemoveOne(valueMs, withinLimitMs))
        {
            return;
        }

        if (_next != long.MinValue && timestampMs < _next)
        {
            Include(valueMs, -1);
        }
    }

    /// <summary>The window of <paramref name="view"/>: this one prepared at b, or <paramref name="scratch"/> filled with the early view.</summary>
    public ISampleRead Read(in View view, SampleView scratch)
    {
        if (view.Final)
        {
            Prepare(view.AtMs);
            return this;
        }

        Now(view.WindowEndMs, scratch);
        return scratch;
    }

    /// <summary>Moves the window to the one ending at <paramref name="boundaryMs"/>.</summary>
    public void Prepare(long boundaryMs)
    {
        if (_next == boundaryMs)
        {
            return;
        }

        var windowStart = boundaryMs - spec.WindowMs;
        if (_next == long.MinValue || boundaryMs < _next || boundaryMs - _next >= spec.WindowMs)
        {
            _window.Clear();
            _sum = 0;
            _within = 0;
            DropBefore(windowStart, includedFrom: long.MaxValue);
            for (var i = 0; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < boundaryMs; i++)
            {
                IncludeBucket(ref _buckets.ValueAt(i), 1);
            }
        }
        else
        {
            DropBefore(windowStart, includedFrom: _next - spec.WindowMs);
            var i = _buckets.Find(spec.BucketOf(_next));
            for (i = i < 0 ? ~i : i; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < boundaryMs; i++)
            {
                IncludeBucket(ref _buckets.ValueAt(i), 1);
            }
        }

        _next = boundaryMs;
    }

    /// <summary>
    /// Early view of the window ending at <paramref name="boundaryMs"/> (the boundary after now):
    /// the prepared window plus buckets that entered since, minus those that left. Changes nothing
    /// but <paramref name="view"/>, which it fills for reads.
    /// </summary>
    public void Now(long boundaryMs, SampleView view)
    {
        view.Reset(_window);
        var windowStart = boundaryMs - spec.WindowMs;
        if (_next == long.MinValue || boundaryMs < _next || boundaryMs - _next >= spec.WindowMs)
        {
            view.ExcludeAll();
            Collect(windowStart, boundaryMs, view, 1);
        }
        else
        {
            view.Count = _window.Count;
            view.Sum = _sum;
            view.Within = _within;
            Collect(_next, boundaryMs, view, 1);
            Collect(_next - spec.WindowMs, windowStart, view, -1);
        }

        view.Seal();
    }

    private void Collect(long fromMs, long toMs, SampleView view, int sign)
    {
        if (fromMs >= toMs)
        {
            return;
        }

        var i = _buckets.Find(spec.BucketOf(fromMs));
        for (i = i < 0 ? ~i : i; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < toMs; i++)
        {
            ref var bucket = ref _buckets.ValueAt(i);
            view.Count += sign * bucket.Count;
            view.Sum += sign * bucket.Sum;
            view.Within += sign * bucket.Within;
            for (var j = 0; j < bucket.Count; j++)
            {
                view.Adjust(bucket.Values![j], sign);
            }
        }
    }

    private void DropBefore(long windowStart, long includedFrom)
    {
        while (_buckets.Count > 0 && spec.StartOf(_buckets.FirstKey) < windowStart)
        {
            ref var bucket = ref _buckets.ValueAt(0);
            if (spec.StartOf(_buckets.FirstKey) >= includedFrom)
            {
                IncludeBucket(ref bucket, -1);
            }

            bucket.Release();
            _buckets.RemoveFirst();
        }
    }

    private void IncludeBucket(ref SampleBucket bucket, int sign)
    {
        for (var j = 0; j < bucket.Count; j++)
        {
            if (sign > 0)
            {
                _window.Add(bucket.Values![j]);
            }
            else
            {
                _window.Remove(bucket.Values![j]);
            }
        }

        _sum += sign * bucket.Sum;
        _within += sign * bucket.Within;
    }

    private void Include(long valueMs, int sign)
    {
        if (sign > 0)
        {
            _window.Add(valueMs);
        }
        else
        {
            _window.Remove(valueMs);
        }

        _sum += sign * valueMs;
        if (valueMs <= withinLimitMs)
        {
            _within += sign;
        }
    }

    private struct SampleBucket
    {
        public long[]? Values;
        public int Count;
        public long Sum;
        public int Within;

        public void Append(long value, long limit)
        {
            if (Values is null)
            {
                Values = PooledArrays<long>.Rent(4);
            }
            else if (Count == Values.Length)
            {
                Values = PooledArrays<long>.Grow(Values, Count);
            }

            Values[Count++] = value;
            Sum += value;
            if (value <= limit)
            {
                Within++;
            }
        }

        public bool RemoveOne(long value, long limit)
        {
            for (var j = Count - 1; j >= 0; j--)
            {
                if (Values![j] == value)
                {
                    Values[j] = Values[--Count];
                    Sum -= value;
                    if (value <= limit)
                    {
                        Within--;
                    }

                    return true;
                }
            }

            return false;
        }

        public void Release()
        {
            if (Values is not null)
            {
                PooledArrays<long>.Return(Values);
                Values = null;
            }
        }
    }
}

/// <summary>
/// An early read of a <see cref="WindowSamples"/>: the prepared window's multiset with values
/// added and removed around it, queried by rank without copying the window.
/// </summary>
internal sealed class SampleView : ISampleRead
{
    private readonly List<long> _added = [];
    private readonly List<long> _removed = [];
    private SortedMultiset? _base;
    private bool _baseExcluded;

    public long Count { get; set; }

    public long Sum { get; set; }

    public long Within { get; set; }

    internal void Reset(SortedMultiset window)
    {
        _base = window;
        _baseExcluded = false;
        _added.Clear();
        _removed.Clear();
        Count = 0;
        Sum = 0;
        Within = 0;
    }

    internal void ExcludeAll() => _baseExcluded = true;

    internal void Adjust(long value, int sign) => (sign > 0 ? _added : _removed).Add(value);

    internal void Seal()
    {
        _added.Sort();
        _removed.Sort();
    }

    public long Max => AtRank(Count);

    public long Percentile(int percent) => AtRank(WindowSamples.Rank(percent, Count));

    /// <summary>The smallest value v with at least <paramref name="rank"/> values ≤ v: a binary search over values.</summary>
    public long AtRank(long rank)
    {
        long lo = long.MaxValue, hi = long.MinValue;
        if (!_baseExcluded && _base!.Count > 0)
        {
            lo = _base.Min;
            hi = _base.Max;
        }

        if (_added.Count > 0)
        {
            lo = Math.Min(lo, _added[0]);
            hi = Math.Max(hi, _added[^1]);
        }

        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (CountAtMost(mid) >= rank)
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

    private long CountAtMost(long value) =>
        (_baseExcluded ? 0 : _base!.CountAtMost(value)) + UpperBound(_added, value) - UpperBound(_removed, value);

    private static int UpperBound(List<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
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
