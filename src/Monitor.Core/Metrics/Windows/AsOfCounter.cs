using System.Numerics;

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// A quantity that changes at event times, read as of a boundary b (the sum of every change
/// stamped before b) and now (every change applied). Changes ahead of the next boundary wait in
/// step-sized buckets until their boundary is prepared; any change can be undone by adding its
/// negation, so events applied on arrival out of order stay exact.
/// </summary>
internal sealed class AsOfCounter<T>(long stepMs)
    where T : struct, INumber<T>
{
    private readonly BucketDeque<T> _ahead = new();
    private T _value = T.Zero;
    private T _current = T.Zero;
    private long _next = long.MinValue;

    /// <summary>Every change applied so far (the early view).</summary>
    public T Now => _current;

    public void Add(long timestampMs, T delta)
    {
        _current += delta;
        if (_next != long.MinValue && timestampMs < _next)
        {
            _value += delta;
            return;
        }

        _ahead.GetOrAdd(WindowSpec.FloorDiv(timestampMs, stepMs)) += delta;
    }

    public T Read(in View view) => view.Final ? At(view.AtMs) : _current;

    /// <summary>The sum of changes stamped before <paramref name="boundaryMs"/> (boundaries only move forward).</summary>
    public T At(long boundaryMs)
    {
        if (_next == long.MinValue || boundaryMs > _next)
        {
            while (_ahead.Count > 0 && _ahead.FirstKey * stepMs < boundaryMs)
            {
                _value += _ahead.ValueAt(0);
                _ahead.RemoveFirst();
            }

            _next = boundaryMs;
        }

        return _value;
    }
}
