namespace Monitor.Core.Metrics;

/// <summary>
/// Samples of one series in event-time order, for a sliding window: append (or insert, for a late
/// sample), evict everything older than the window start, and read the sorted values. The sorted
/// copy is cached until the window changes, so an idle series costs nothing per step.
/// </summary>
internal sealed class SampleWindow
{
    private long[] _times = new long[4];
    private double[] _values = new double[4];
    private int _head;
    private int _count;
    private double[]? _sorted;

    public int Count => _count;

    public void Add(long timestampMs, double value)
    {
        if (_head + _count == _times.Length)
        {
            Grow();
        }

        var end = _head + _count;
        var at = end;
        while (at > _head && _times[at - 1] > timestampMs)
        {
            at--;
        }

        if (at < end)
        {
            Array.Copy(_times, at, _times, at + 1, end - at);
            Array.Copy(_values, at, _values, at + 1, end - at);
        }

        _times[at] = timestampMs;
        _values[at] = value;
        _count++;
        _sorted = null;
    }

    /// <summary>Drops samples stamped before <paramref name="windowStartMs"/>.</summary>
    public void EvictBefore(long windowStartMs)
    {
        var evicted = false;
        while (_count > 0 && _times[_head] < windowStartMs)
        {
            _head++;
            _count--;
            evicted = true;
        }

        if (_count == 0)
        {
            _head = 0;
        }

        if (evicted)
        {
            _sorted = null;
        }
    }

    /// <summary>The window's values in ascending order (shared buffer: read before the next change).</summary>
    public ReadOnlySpan<double> Sorted()
    {
        if (_sorted is null || _sorted.Length != _count)
        {
            _sorted = new double[_count];
            Array.Copy(_values, _head, _sorted, 0, _count);
            Array.Sort(_sorted);
        }

        return _sorted;
    }

    public ReadOnlySpan<double> Values => _values.AsSpan(_head, _count);

    private void Grow()
    {
        if (_head > 0 && _count <= _times.Length / 2)
        {
            Array.Copy(_times, _head, _times, 0, _count);
            Array.Copy(_values, _head, _values, 0, _count);
            _head = 0;
            return;
        }

        Array.Resize(ref _times, _times.Length * 2);
        Array.Resize(ref _values, _values.Length * 2);
    }
}
