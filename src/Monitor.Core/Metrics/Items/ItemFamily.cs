namespace Monitor.Core.Metrics.Items;

/// <summary>An event as an item keeps it: enough to order it (ts, causal rank, eventId) and to step the item's state machine.</summary>
internal interface ILoggedEvent
{
    long TimestampMs { get; }

    int Rank { get; }

    string EventId { get; }
}

/// <summary>
/// Items (conversations, calls, refunds, agents) whose events are applied on arrival, exactly as
/// if applied in (ts, causal rank, eventId) order (DESIGN §2). Each item keeps a settled state
/// (after its events before the watermark, which no on-time event can precede) and a log of its
/// later events. An event that arrives in order for its item is stepped at once; one that arrives
/// before an event already applied makes the item re-derive: the contributions of its log are
/// undone (in reverse order) and the log is stepped again with the new event in place. Only that
/// item's own contributions change, so re-ordering costs the item's few recent events, not a
/// buffer of everyone's. A late event (before the watermark) is applied to the settled state, as
/// the reorder-buffer engine applied it: after every event before the watermark, before the rest.
/// </summary>
/// <typeparam name="TState">The item's state machine state (a small struct).</typeparam>
/// <typeparam name="TEvent">The item's logged event.</typeparam>
/// <typeparam name="TOp">A contribution to the family's windows and backlogs, with an inverse.</typeparam>
internal abstract class ItemFamily<TState, TEvent, TOp>
    where TState : struct
    where TEvent : struct, ILoggedEvent
    where TOp : struct
{
    private readonly List<TOp> _recorded = [];
    private readonly Queue<(long TimestampMs, Item Item)> _settle = new();
    private Mode _mode;

    protected Dictionary<string, Item> Items { get; } = new(StringComparer.Ordinal);

    private enum Mode : byte
    {
        Silent,
        Apply,
        Record,
    }

    /// <summary>Items held (existing, or waiting for their last events to settle).</summary>
    public int ItemCount => Items.Count;

    /// <summary>True when an event of item <paramref name="id"/> may enter: the item is held, or fewer than <paramref name="max"/> are.</summary>
    public bool HasRoomFor(string id, int max) => Items.Count < max || Items.ContainsKey(id);

    /// <summary>
    /// Applies one event of item <paramref name="id"/>. <paramref name="late"/>: its time is before
    /// <paramref name="watermarkMs"/>. Returns false when a late event was dropped (older than the
    /// item's last settled event, see <see cref="DropLate"/>).
    /// </summary>
    public bool Apply(string id, in TEvent e, bool late, long watermarkMs)
    {
        if (!Items.TryGetValue(id, out var item))
        {
            item = new Item(id);
            Items.Add(id, item);
        }

        Fold(item, watermarkMs);
        if (late)
        {
            if (Exists(item.Settled) && DropLate(item.Settled, e))
            {
                return false;
            }

            ApplyLate(item, e);
        }
        else if (item.Log.Count == 0 || Compare(e, item.Log[item.Log.Count - 1]) > 0)
        {
            _mode = Mode.Apply;
            Step(item, ref item.Current, e);
            _mode = Mode.Silent;
            item.Log.Append(e);
        }
        else
        {
            Retract(item);
            item.Log.Insert(e, Compare);
            Rerun(item);
        }

        _settle.Enqueue((e.TimestampMs, item));
        return true;
    }

    /// <summary>
    /// Settles the events before <paramref name="settledBeforeMs"/> (a boundary the watermark has
    /// passed) into their items, so a log holds only events ahead of it, and forgets items that no
    /// longer exist once their last event is settled: closed conversations, ended calls, events of
    /// unknown items.
    /// </summary>
    public void Purge(long settledBeforeMs)
    {
        while (_settle.TryPeek(out var entry) && entry.TimestampMs < settledBeforeMs)
        {
            _settle.Dequeue();
            var item = entry.Item;
            Fold(item, settledBeforeMs);
            if (item.Log.Count == 0 && !Exists(item.Settled) && Items.TryGetValue(item.Id, out var held) && ReferenceEquals(held, item))
            {
                Items.Remove(item.Id);
                item.Log.Release();
            }
        }
    }

    /// <summary>
    /// Changes an item's state as of <paramref name="asOfMs"/> (at most the watermark): its events
    /// before that time are settled first, and the change (a stale eviction) comes before the rest.
    /// </summary>
    protected void ChangeAsOf(Item item, long asOfMs, StateChange change)
    {
        Fold(item, asOfMs);
        ChangeSettled(item, change);
        if (item.Log.Count == 0 && !Exists(item.Settled))
        {
            Items.Remove(item.Id);
            item.Log.Release();
        }
        else
        {
            _settle.Enqueue((asOfMs - 1, item));
        }
    }

    /// <summary>A late event goes after every settled event and before the log (the reorder-buffer engine applied it at once).</summary>
    private void ApplyLate(Item item, TEvent e) => ChangeSettled(item, (ref TState s) => Step(item, ref s, e));

    /// <summary>Settles the events of <paramref name="item"/> before <paramref name="limitMs"/> (no contributions: they were made when the events were applied).</summary>
    protected void Fold(Item item, long limitMs)
    {
        while (item.Log.Count > 0 && item.Log[0].TimestampMs < limitMs)
        {
            Step(item, ref item.Settled, item.Log[0]);
            item.Log.RemoveFirst();
        }

        if (item.Log.Count == 0)
        {
            item.Log.Release();
        }
    }

    /// <summary>One event on <paramref name="state"/>; contributions go through <see cref="Contribute"/>.</summary>
    protected abstract void Step(Item item, ref TState state, in TEvent e);

    /// <summary>Applies (<paramref name="sign"/> +1) or undoes (−1) one contribution of <paramref name="item"/>.</summary>
    protected abstract void ApplyOp(Item item, in TOp op, int sign);

    protected abstract bool Exists(in TState state);

    /// <summary>The reorder-buffer engine's rule for a late event on an item in state (e.g. older than its last event).</summary>
    protected abstract bool DropLate(in TState settled, in TEvent e);

    /// <summary>Called by <see cref="Step"/> for each contribution.</summary>
    protected void Contribute(Item item, in TOp op)
    {
        switch (_mode)
        {
            case Mode.Apply:
                ApplyOp(item, op, 1);
                break;
            case Mode.Record:
                _recorded.Add(op);
                break;
        }
    }

    protected delegate void StateChange(ref TState state);

    private void ChangeSettled(Item item, StateChange change)
    {
        var hasLog = item.Log.Count > 0;
        if (hasLog)
        {
            Retract(item);
        }

        _mode = Mode.Apply;
        change(ref item.Settled);
        _mode = Mode.Silent;
        if (hasLog)
        {
            Rerun(item);
        }
        else
        {
            item.Current = item.Settled;
        }
    }

    private void Retract(Item item)
    {
        _mode = Mode.Record;
        var state = item.Settled;
        for (var i = 0; i < item.Log.Count; i++)
        {
            Step(item, ref state, item.Log[i]);
        }

        _mode = Mode.Silent;
        for (var i = _recorded.Count - 1; i >= 0; i--)
        {
            ApplyOp(item, _recorded[i], -1);
        }

        _recorded.Clear();
    }

    private void Rerun(Item item)
    {
        _mode = Mode.Apply;
        var state = item.Settled;
        for (var i = 0; i < item.Log.Count; i++)
        {
            Step(item, ref state, item.Log[i]);
        }

        _mode = Mode.Silent;
        item.Current = state;
    }

    /// <summary>(ts, causal rank, eventId ordinal): the order the reorder-buffer engine applied events in.</summary>
    private static int Compare(TEvent a, TEvent b)
    {
        var byTime = a.TimestampMs.CompareTo(b.TimestampMs);
        if (byTime != 0)
        {
            return byTime;
        }

        var byRank = a.Rank.CompareTo(b.Rank);
        return byRank != 0 ? byRank : string.CompareOrdinal(a.EventId, b.EventId);
    }

    internal sealed class Item(string id)
    {
        public string Id { get; } = id;

        public TState Settled;

        public TState Current;

        public EventLog<TEvent> Log;
    }
}

/// <summary>An item's events after its settled state, in order; the array comes from a pool and goes back when the log empties.</summary>
internal struct EventLog<T>
    where T : struct
{
    private T[]? _items;
    private int _start;

    public int Count { get; private set; }

    public readonly T this[int i] => _items![_start + i];

    public void Append(in T e)
    {
        if (_items is null)
        {
            _items = LogArrays<T>.Rent(2);
            _start = 0;
        }
        else if (_start + Count == _items.Length)
        {
            Compact();
        }

        _items[_start + Count++] = e;
    }

    public void Insert(in T e, Comparison<T> compare)
    {
        Append(e);
        var i = _start + Count - 1;
        while (i > _start && compare(_items![i - 1], _items[i]) > 0)
        {
            (_items[i - 1], _items[i]) = (_items[i], _items[i - 1]);
            i--;
        }
    }

    public void RemoveFirst()
    {
        _items![_start] = default;
        _start++;
        Count--;
    }

    public void Release()
    {
        if (_items is not null)
        {
            LogArrays<T>.Return(_items);
            _items = null;
            _start = 0;
            Count = 0;
        }
    }

    private void Compact()
    {
        if (_start > 0 && Count <= _items!.Length / 2)
        {
            Array.Copy(_items, _start, _items, 0, Count);
            Array.Clear(_items, Count, _items.Length - Count);
            _start = 0;
            return;
        }

        var bigger = LogArrays<T>.Rent(_items!.Length * 2);
        Array.Copy(_items, _start, bigger, 0, Count);
        LogArrays<T>.Return(_items);
        _items = bigger;
        _start = 0;
    }
}

/// <summary>
/// Small log arrays kept for reuse per thread (the engine is single-threaded): most logs hold one
/// or two events, and the shared ArrayPool's smallest arrays (16 elements) would cost an open item
/// several hundred bytes.
/// </summary>
internal static class LogArrays<T>
    where T : struct
{
    private const int Classes = 5; // lengths 2, 4, 8, 16, 32; larger ones are not kept
    private const int KeepPerClass = 4096;

    [ThreadStatic]
    private static Stack<T[]>[]? _free;

    public static T[] Rent(int length)
    {
        var cls = ClassOf(length);
        if (cls < Classes && _free?[cls] is { Count: > 0 } stack)
        {
            return stack.Pop();
        }

        return new T[cls < Classes ? 2 << cls : length];
    }

    public static void Return(T[] array)
    {
        Array.Clear(array);
        var cls = ClassOf(array.Length);
        if (cls >= Classes || (2 << cls) != array.Length)
        {
            return;
        }

        _free ??= Enumerable.Range(0, Classes).Select(_ => new Stack<T[]>()).ToArray();
        if (_free[cls].Count < KeepPerClass)
        {
            _free[cls].Push(array);
        }
    }

    private static int ClassOf(int length)
    {
        var cls = 0;
        while ((2 << cls) < length)
        {
            cls++;
        }

        return cls;
    }
}
