namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// When a series last had an event, as of a boundary b (the newest event stamped before b) and
/// now. Series activity (DESIGN §4: active while it had an event within the TTL) is read at b, but
/// events are applied on arrival, so touches at or after the prepared boundary are kept (one
/// array, reused) until a boundary passes them; a touch can be undone while it is ahead
/// (re-ordered events). Touches before the prepared boundary only move the settled newest time.
/// </summary>
internal sealed class Activity
{
    private long[]? _ahead;
    private int _count;
    private long _aheadMax = long.MinValue;
    private long _settled = long.MinValue;
    private long _next = long.MinValue;

    /// <summary>Newest touch of all applied so far; <see cref="long.MinValue"/> when none.</summary>
    public long Latest => Math.Max(_settled, _aheadMax);

    /// <summary>True when touches wait ahead of the prepared boundary.</summary>
    public bool HasAhead => _count > 0;

    public void Touch(long timestampMs)
    {
        if (_next != long.MinValue && timestampMs < _next)
        {
            _settled = Math.Max(_settled, timestampMs);
            return;
        }

        if (_ahead is null)
        {
            _ahead = PooledArrays<long>.Rent(4);
        }
        else if (_count == _ahead.Length)
        {
            _ahead = PooledArrays<long>.Grow(_ahead, _count);
        }

        _ahead[_count++] = timestampMs;
        _aheadMax = Math.Max(_aheadMax, timestampMs);
    }

    /// <summary>Undoes one <see cref="Touch"/> still ahead of the prepared boundary.</summary>
    public void Untouch(long timestampMs)
    {
        if (_next != long.MinValue && timestampMs < _next)
        {
            return;
        }

        for (var i = _count - 1; i >= 0; i--)
        {
            if (_ahead![i] == timestampMs)
            {
                _ahead[i] = _ahead[--_count];
                if (timestampMs == _aheadMax)
                {
                    _aheadMax = MaxAhead();
                }

                Release();
                return;
            }
        }
    }

    /// <summary>Newest touch stamped before <paramref name="boundaryMs"/>; <see cref="long.MinValue"/> when none.</summary>
    public long LastBefore(long boundaryMs)
    {
        if (_next != long.MinValue && boundaryMs <= _next)
        {
            return _settled;
        }

        _next = boundaryMs;
        if (_count == 0)
        {
            return _settled;
        }

        // Touches now behind the boundary settle; the rest stay (one pass, in place).
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            var t = _ahead![i];
            if (t < boundaryMs)
            {
                _settled = Math.Max(_settled, t);
            }
            else
            {
                _ahead[kept++] = t;
            }
        }

        _count = kept;
        _aheadMax = MaxAhead();
        Release();
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

    private long MaxAhead()
    {
        var max = long.MinValue;
        for (var i = 0; i < _count; i++)
        {
            max = Math.Max(max, _ahead![i]);
        }

        return max;
    }

    private void Release()
    {
        if (_count == 0 && _ahead is not null)
        {
            PooledArrays<long>.Return(_ahead);
            _ahead = null;
        }
    }
}
