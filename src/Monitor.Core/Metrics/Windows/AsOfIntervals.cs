using Monitor.Core.Alerts;

namespace Monitor.Core.Metrics.Windows;

/// <summary>
/// A backlog: items that wait from a start s until an end e (a reply, an answer, a completion).
/// At a boundary b the backlog is every item with s &lt; b ≤ e (DESIGN §4: waiting at b), with the
/// oldest start; now, it is every item still open. Events are applied on arrival, so an item that
/// ended ahead of the next boundary is kept (retained) until that boundary is prepared; the count
/// is an <see cref="AsOfCounter{T}"/> of +1 at s and −1 at e. Every operation has an inverse, for
/// re-ordered events. Items are ordered by (start, id): the same order in any arrival order.
/// </summary>
internal sealed class AsOfIntervals(long stepMs)
{
    private readonly ChunkedSortedSet<WaitKey> _open = new();
    private readonly ChunkedSortedSet<WaitKey> _retained = new();
    private readonly PriorityQueue<WaitKey, long> _expiry = new();
    private readonly AsOfCounter<long> _count = new(stepMs);
    private long _next = long.MinValue;
    private Cursor? _cursor;

    /// <summary>Items open now (the early view).</summary>
    public int OpenCount => _open.Count;

    /// <summary>Start of the oldest item open now; <see cref="long.MinValue"/> when none.</summary>
    public long OldestOpenStart => _open.Count > 0 ? _open.Min.StartMs : long.MinValue;

    /// <summary>True while any item is open or retained.</summary>
    public bool IsEmpty => _open.Count == 0 && _retained.Count == 0;

    public void Open(long startMs, string id)
    {
        _open.Add(new WaitKey(startMs, id));
        _count.Add(startMs, 1);
    }

    public void UndoOpen(long startMs, string id)
    {
        _open.Remove(new WaitKey(startMs, id));
        _count.Add(startMs, -1);
    }

    public void Close(long startMs, string id, long endMs)
    {
        var key = new WaitKey(startMs, id);
        _open.Remove(key);
        _count.Add(endMs, -1);
        if (_next == long.MinValue || endMs >= _next)
        {
            var retained = key with { EndMs = endMs };
            _retained.Add(retained);
            _expiry.Enqueue(retained, endMs);
        }
    }

    public void UndoClose(long startMs, string id, long endMs)
    {
        var key = new WaitKey(startMs, id);
        if (_retained.TryGetValue(key, out var retained) && retained.EndMs == endMs)
        {
            _retained.Remove(key);
        }

        _open.Add(key);
        _count.Add(endMs, 1);
    }

    /// <summary>Items waiting in <paramref name="view"/> (at b, or open now).</summary>
    public int Count(in View view) => view.Final ? CountAt(view.AtMs) : _open.Count;

    /// <summary>Start of the oldest item waiting in <paramref name="view"/>; <see cref="long.MinValue"/> when none.</summary>
    public long Oldest(in View view) => view.Final ? OldestAt(view.AtMs) : OldestOpenStart;

    /// <summary>Items waiting in <paramref name="view"/>, oldest first.</summary>
    public OpenItemCursor Items(in View view) => view.Final ? ItemsAt(view.AtMs) : OpenItems();

    /// <summary>Items waiting at <paramref name="boundaryMs"/>.</summary>
    public int CountAt(long boundaryMs)
    {
        Prepare(boundaryMs);
        return (int)_count.At(boundaryMs);
    }

    /// <summary>Start of the oldest item waiting at <paramref name="boundaryMs"/>; <see cref="long.MinValue"/> when none.</summary>
    public long OldestAt(long boundaryMs)
    {
        Prepare(boundaryMs);
        var oldest = long.MaxValue;
        if (_open.Count > 0 && _open.Min.StartMs < boundaryMs)
        {
            oldest = _open.Min.StartMs;
        }

        if (_retained.Count > 0 && _retained.Min.StartMs < boundaryMs)
        {
            oldest = Math.Min(oldest, _retained.Min.StartMs);
        }

        return oldest == long.MaxValue ? long.MinValue : oldest;
    }

    /// <summary>Items waiting at <paramref name="boundaryMs"/>, oldest first (this backlog's one cursor, reset).</summary>
    public OpenItemCursor ItemsAt(long boundaryMs)
    {
        Prepare(boundaryMs);
        return (_cursor ??= new Cursor(this)).Reset(boundaryMs, retained: true);
    }

    /// <summary>Items open now (the early view), oldest first (this backlog's one cursor, reset).</summary>
    public OpenItemCursor OpenItems() => (_cursor ??= new Cursor(this)).Reset(long.MaxValue, retained: false);

    private void Prepare(long boundaryMs)
    {
        if (_next != long.MinValue && boundaryMs <= _next)
        {
            return;
        }

        _next = boundaryMs;
        while (_expiry.TryPeek(out var key, out var endMs) && endMs < boundaryMs)
        {
            _expiry.Dequeue();
            if (_retained.TryGetValue(key, out var retained) && retained.EndMs == endMs)
            {
                _retained.Remove(key);
            }
        }
    }

    /// <summary>Merges the open and the retained items in (start, id) order, those starting before a limit.</summary>
    private sealed class Cursor(AsOfIntervals owner) : OpenItemCursor
    {
        private long _limit;
        private bool _withRetained;
        private int _openChunk, _openIndex, _retainedChunk, _retainedIndex;
        private bool _hasOpen, _hasRetained;
        private WaitKey _open, _retained;

        public Cursor Reset(long limit, bool retained)
        {
            _limit = limit;
            _withRetained = retained;
            _openChunk = _openIndex = _retainedChunk = _retainedIndex = 0;
            _hasOpen = owner._open.TryRead(ref _openChunk, ref _openIndex, out _open);
            _hasRetained = retained && owner._retained.TryRead(ref _retainedChunk, ref _retainedIndex, out _retained);
            return this;
        }

        public override bool Next(out OpenItem item)
        {
            var open = _hasOpen && _open.StartMs < _limit;
            var retained = _withRetained && _hasRetained && _retained.StartMs < _limit;
            if (open && (!retained || _open.CompareTo(_retained) < 0))
            {
                item = new OpenItem(_open.Id, _open.StartMs);
                _hasOpen = owner._open.TryRead(ref _openChunk, ref _openIndex, out _open);
                return true;
            }

            if (retained)
            {
                item = new OpenItem(_retained.Id, _retained.StartMs);
                _hasRetained = owner._retained.TryRead(ref _retainedChunk, ref _retainedIndex, out _retained);
                return true;
            }

            item = default;
            return false;
        }
    }

    /// <summary>Orders by start, then id (ordinal); <see cref="EndMs"/> rides along for retained items.</summary>
    private readonly record struct WaitKey(long StartMs, string Id) : IComparable<WaitKey>
    {
        public long EndMs { get; init; }

        public int CompareTo(WaitKey other)
        {
            var byStart = StartMs.CompareTo(other.StartMs);
            return byStart != 0 ? byStart : string.CompareOrdinal(Id, other.Id);
        }
    }
}
