namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// Up to four counts over a sliding window [b − W, b), kept incrementally: each event adds to its
/// bucket (and to the running window total when the bucket lies in the window of the next
/// boundary); at a boundary buckets enter and leave the total, so a read costs O(1) and a step
/// O(buckets that moved), never a pass over events. Events ahead of the next boundary wait in
/// their buckets (applied on arrival, counted when their window comes), and any add can be undone
/// with a negative delta, which keeps re-ordered events exact.
/// </summary>
internal sealed class WindowCounter(WindowSpec spec)
{
    private readonly BucketDeque<Lanes> _buckets = new();
    private Lanes _sum;
    private long _next = long.MinValue;

    /// <summary>True when no bucket holds anything at or after the start of the next window.</summary>
    public bool IsEmpty => _buckets.Count == 0;

    public void Add(long timestampMs, int lane, long delta)
    {
        if (_next != long.MinValue)
        {
            if (timestampMs < _next - spec.WindowMs)
            {
                // Before every window still to come: no point will ever count it.
                return;
            }

            if (timestampMs < _next)
            {
                _sum[lane] += delta;
            }
        }

        _buckets.GetOrAdd(spec.BucketOf(timestampMs))[lane] += delta;
    }

    /// <summary>Lane <paramref name="lane"/> over the window of <paramref name="view"/>.</summary>
    public long Read(in View view, int lane) => view.Final ? At(view.AtMs, lane) : Now(view.WindowEndMs, lane);

    /// <summary>Lane <paramref name="lane"/> summed over [b − W, b).</summary>
    public long At(long boundaryMs, int lane)
    {
        Prepare(boundaryMs);
        return _sum[lane];
    }

    /// <summary>Moves the running total to the window ending at <paramref name="boundaryMs"/>.</summary>
    public void Prepare(long boundaryMs)
    {
        if (_next == boundaryMs)
        {
            return;
        }

        var windowStart = boundaryMs - spec.WindowMs;
        if (_next == long.MinValue || boundaryMs < _next || boundaryMs - _next >= spec.WindowMs)
        {
            DropBefore(windowStart);
            _sum = default;
            for (var i = 0; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < boundaryMs; i++)
            {
                AddLanes(ref _sum, _buckets.ValueAt(i), 1);
            }
        }
        else
        {
            var oldStart = _next - spec.WindowMs;
            while (_buckets.Count > 0 && spec.StartOf(_buckets.FirstKey) < windowStart)
            {
                if (spec.StartOf(_buckets.FirstKey) >= oldStart)
                {
                    AddLanes(ref _sum, _buckets.ValueAt(0), -1);
                }

                _buckets.RemoveFirst();
            }

            var i = _buckets.Find(spec.BucketOf(_next));
            for (i = i < 0 ? ~i : i; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < boundaryMs; i++)
            {
                AddLanes(ref _sum, _buckets.ValueAt(i), 1);
            }
        }

        _next = boundaryMs;
    }

    /// <summary>
    /// Early view: lane <paramref name="lane"/> over the window ending at the boundary after now
    /// (<paramref name="boundaryMs"/>), including everything applied so far. Changes nothing.
    /// </summary>
    public long Now(long boundaryMs, int lane)
    {
        if (_next == long.MinValue || boundaryMs < _next || boundaryMs - _next >= spec.WindowMs)
        {
            return Sum(boundaryMs - spec.WindowMs, boundaryMs, lane);
        }

        return _sum[lane] + Sum(_next, boundaryMs, lane) - Sum(_next - spec.WindowMs, boundaryMs - spec.WindowMs, lane);
    }

    private long Sum(long fromMs, long toMs, int lane)
    {
        long total = 0;
        if (fromMs >= toMs)
        {
            return 0;
        }

        var i = _buckets.Find(spec.BucketOf(fromMs));
        for (i = i < 0 ? ~i : i; i < _buckets.Count && spec.StartOf(_buckets.KeyAt(i)) < toMs; i++)
        {
            total += _buckets.ValueAt(i)[lane];
        }

        return total;
    }

    private void DropBefore(long windowStart)
    {
        while (_buckets.Count > 0 && spec.StartOf(_buckets.FirstKey) < windowStart)
        {
            _buckets.RemoveFirst();
        }
    }

    private static void AddLanes(ref Lanes sum, in Lanes bucket, int sign)
    {
        for (var lane = 0; lane < 4; lane++)
        {
            sum[lane] += sign * bucket[lane];
        }
    }
}
