using System.Buffers;

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// When a series last had an event, as of a boundary b (the newest event stamped before b) and
/// now. Series activity (DESIGN §4: active while it had an event within the TTL) is read at b, but
/// events are applied on arrival, so touches ahead of the next boundary are kept per step until
/// their boundary is prepared; a touch can be undone while it is ahead (re-ordered events).
/// </summary>
internal sealed class Activity(long stepMs)
{
    private readonly BucketDeque<Touches> _ahead = new();
    private long _settled = long.MinValue;
    private long _next = long.MinValue;

    /// <summary>Newest touch of all applied so far; <see cref="long.MinValue"/> when none.</summary>
    public long Latest
    {
        get
        {
            var latest = _settled;
            for (var i = 0; i < _ahead.Count; i++)
            {
                latest = Math.Max(latest, _ahead.ValueAt(i).Max());
            }

            return latest;
        }
    }

    /// <summary>True when touches wait ahead of the prepared boundary.</summary>
    public bool HasAhead => _ahead.Count > 0;

    public void Touch(long timestampMs)
    {
        if (_next != long.MinValue && timestampMs < _next)
        {
            _settled = Math.Max(_settled, timestampMs);
            return;
        }

        _ahead.GetOrAdd(WindowSpec.FloorDiv(timestampMs, stepMs)).Add(timestampMs);
    }

    /// <summary>Undoes one <see cref="Touch"/> still ahead of the prepared boundary.</summary>
    public void Untouch(long timestampMs)
    {
        if (_next != long.MinValue && timestampMs < _next)
        {
            return;
        }

        var i = _ahead.Find(WindowSpec.FloorDiv(timestampMs, stepMs));
        if (i >= 0)
        {
            ref var touches = ref _ahead.ValueAt(i);
            touches.Remove(timestampMs);
            if (touches.Count == 0)
            {
                touches.Release();
                _ahead.RemoveAt(i);
            }
        }
    }

    /// <summary>Newest touch stamped before <paramref name="boundaryMs"/>; <see cref="long.MinValue"/> when none.</summary>
    public long LastBefore(long boundaryMs)
    {
        if (_next == long.MinValue || boundaryMs > _next)
        {
            while (_ahead.Count > 0 && _ahead.FirstKey * stepMs < boundaryMs)
            {
                ref var touches = ref _ahead.ValueAt(0);
                _settled = Math.Max(_settled, touches.Max());
                touches.Release();
                _ahead.RemoveFirst();
            }

            _next = boundaryMs;
        }

        return _settled;
    }

    /// <summary>Active in <paramref name="view"/>: a touch in [b − ttl, b), or (now) within ttl of now.</summary>
    public bool Active(in View view, long ttlMs)
    {
        if (view.Final)
        {
            return ActiveAt(view.AtMs, ttlMs);
        }

        var latest = Latest;
        return latest != long.MinValue && latest >= view.AtMs - ttlMs;
    }

    /// <summary>Active at b: a touch in [b − ttl, b).</summary>
    public bool ActiveAt(long boundaryMs, long ttlMs)
    {
        var last = LastBefore(boundaryMs);
        return last != long.MinValue && last >= boundaryMs - ttlMs;
    }

    private struct Touches
    {
        private long[]? _times;

        public int Count;

        public void Add(long time)
        {
            if (_times is null || Count == _times.Length)
            {
                var bigger = ArrayPool<long>.Shared.Rent(_times is null ? 4 : _times.Length * 2);
                if (_times is not null)
                {
                    Array.Copy(_times, bigger, Count);
                    ArrayPool<long>.Shared.Return(_times);
                }

                _times = bigger;
            }

            _times[Count++] = time;
        }

        public void Remove(long time)
        {
            for (var j = Count - 1; j >= 0; j--)
            {
                if (_times![j] == time)
                {
                    _times[j] = _times[--Count];
                    return;
                }
            }
        }

        public readonly long Max()
        {
            var max = long.MinValue;
            for (var j = 0; j < Count; j++)
            {
                max = Math.Max(max, _times![j]);
            }

            return max;
        }

        public void Release()
        {
            if (_times is not null)
            {
                ArrayPool<long>.Shared.Return(_times);
                _times = null;
            }
        }
    }
}
