using Monitor.Core.Events;
using Monitor.Core.Metrics.Items;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Calls of one shop (DESIGN §4): answer time, offered/answered/abandoned and service level
/// (call_answer), handle time (call_handle), both over the window [b − W, b), and the call queue
/// backlog at b (backlog queue=call). A call waits from call_queued until it is answered, abandoned
/// or ended; it leaves state when ended or abandoned, so an answered call stays until its end
/// gives the handle time. call_transcript is not this family's (keywords read it). Events are
/// applied on arrival and read as of each boundary (see <see cref="ItemFamily{TState,TEvent,TOp}"/>).
/// </summary>
internal sealed class CallState : ItemFamily<CallState.Call, CallState.CallEvent, CallState.CallOp>, IShopFamily
{
    private const long None = long.MinValue;
    private const int UnknownAnswersLane = 0;
    private const int AbandonsLane = 1;

    private readonly string _shopId;
    private readonly long _ttlMs;
    private readonly long _staleMs;
    private readonly AsOfIntervals _waiting;

    // Answer times (ms) of answers whose queue time is known, stamped at the answer; at most the service level threshold counts as within.
    private readonly WindowSamples _answerTimes;

    // Answers of calls queued before state began (a restart) and abandons, stamped at the event.
    private readonly WindowCounter _counts;
    private readonly WindowSamples _handleTimes;

    // Series activity (see docs/metrics.md).
    private readonly Activity _backlogActivity;
    private readonly Activity _answerActivity;
    private readonly Activity _handleActivity;
    private SampleView? _answerScratch;
    private MetricPoint? _backlogPoint;
    private MetricPoint? _answerPoint;
    private MetricPoint? _handlePoint;
    private SampleView? _handleScratch;

    public CallState(string shopId, EngineOptions options)
    {
        _shopId = shopId;
        var spec = new WindowSpec(options.Step, options.ConversationWindow);
        var stepMs = (long)options.Step.TotalMilliseconds;
        _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
        _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
        _waiting = new AsOfIntervals(stepMs);
        _answerTimes = new WindowSamples(spec, (long)Math.Floor(options.ServiceLevelThreshold.TotalMilliseconds));
        _counts = new WindowCounter(spec);
        _handleTimes = new WindowSamples(spec);
        _backlogActivity = new Activity();
        _answerActivity = new Activity();
        _handleActivity = new Activity();
    }

    /// <summary>Calls held in state: waiting, answered and not yet ended, or with events still to settle.</summary>
    public int OpenCalls => ItemCount;

    /// <summary>Calls waiting at <paramref name="boundaryMs"/>, longest-waiting first.</summary>
    public OpenItemCursor Waiting(long boundaryMs) => _waiting.ItemsAt(boundaryMs);

    /// <summary>Calls waiting now (the early view), longest-waiting first.</summary>
    public OpenItemCursor WaitingNow() => _waiting.OpenItems();

    public AsOfIntervals Backlog => _waiting;

    /// <summary>Applies one calls event. Returns false when it was ignored (a transcript, or a late event older than its call's last applied one).</summary>
    public bool Apply(MonitorEvent e, bool late, long watermarkMs) =>
        e.Type is EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned or EventType.CallEnded
        && Apply(e.CallId!, new CallEvent(e), late, watermarkMs);

    /// <summary>Emits backlog(queue=call), call_answer and call_handle for <paramref name="view"/>, each when active.</summary>
    public void Emit(in View view, Action<MetricPoint> emit)
    {
        if (view.Final)
        {
            Purge(view.AtMs);
        }

        var backlogActive = _backlogActivity.Active(view, _ttlMs);
        var waiting = _waiting.Count(view);
        if ((waiting > 0 || backlogActive) && view.Wants(MetricSchemas.Backlog))
        {
            emit(PointBuilder.Backlog(_backlogPoint ??= PointBuilder.BacklogSeries(_shopId, "call"), waiting, waiting > 0 ? _waiting.Oldest(view) : view.AtMs, view.AtMs));
        }

        if (!view.Final)
        {
            EmitEarly(view, emit);
            return;
        }

        var answerActive = _answerActivity.Active(view, _ttlMs);
        var answers = _answerTimes.Read(view, _answerScratch ??= new SampleView());
        var unknown = _counts.Read(view, UnknownAnswersLane);
        var abandoned = _counts.Read(view, AbandonsLane);
        var offered = answers.Count + unknown + abandoned;
        if (offered > 0 || answerActive)
        {
            var point = (_answerPoint ??= MetricSchemas.Series(MetricSchemas.CallAnswer, _shopId)).Begin(view.AtMs);
            emit(AnswerFields(point, answers, offered, unknown, abandoned, view));
        }

        var handleActive = _handleActivity.Active(view, _ttlMs);
        var handles = _handleTimes.Read(view, _handleScratch ??= new SampleView());
        if (handles.Count > 0 || handleActive)
        {
            var point = (_handlePoint ??= MetricSchemas.Series(MetricSchemas.CallHandle, _shopId)).Begin(view.AtMs);
            emit(HandleFields(point, handles));
        }
    }

    /// <summary>True when no call is held, no window holds a sample and no series is active or has events ahead.</summary>
    public bool IsIdle(long boundaryMs) =>
        ItemCount == 0 && _waiting.IsEmpty && _answerTimes.IsEmpty && _counts.IsEmpty && _handleTimes.IsEmpty
        && !_backlogActivity.ActiveAt(boundaryMs, _ttlMs) && !_backlogActivity.HasAhead
        && !_answerActivity.ActiveAt(boundaryMs, _ttlMs) && !_answerActivity.HasAhead
        && !_handleActivity.ActiveAt(boundaryMs, _ttlMs) && !_handleActivity.HasAhead;

    /// <summary>Drops calls with no event for <see cref="EngineOptions.StaleItemAge"/> (a lost end or answer), waiting or not.</summary>
    public void EvictStale(long boundaryMs)
    {
        var cutoff = boundaryMs - _staleMs;
        List<Item>? stale = null;
        foreach (var item in Items.Values)
        {
            Fold(item, boundaryMs);
            if (item.Settled.Exists && item.Settled.LastEventMs < cutoff)
            {
                (stale ??= []).Add(item);
            }
        }

        foreach (var item in stale ?? [])
        {
            ChangeAsOf(item, boundaryMs, (ref Call call) =>
            {
                if (call.QueuedMs != None && call.AnsweredMs == None)
                {
                    Contribute(item, new CallOp(CallOpKind.CloseWait, boundaryMs - 1, call.QueuedMs));
                }

                call = default;
            });
        }
    }

    protected override bool Exists(in Call state) => state.Exists;

    /// <summary>A late event of a call in state that is older than the call's last applied event is dropped.</summary>
    protected override bool DropLate(in Call settled, in CallEvent e) => e.TimestampMs < settled.LastEventMs;

    protected override void Step(Item item, ref Call call, in CallEvent e)
    {
        var ts = e.TimestampMs;
        Contribute(item, new CallOp(CallOpKind.Touch, ts, (long)e.Type));
        if (call.Exists)
        {
            call.LastEventMs = Math.Max(call.LastEventMs, ts);
        }

        switch (e.Type)
        {
            case EventType.CallQueued:
                // A second call_queued for a call in state keeps the first queue time.
                if (!call.Exists)
                {
                    call = new Call { Exists = true, QueuedMs = ts, AnsweredMs = None, LastEventMs = ts };
                    Contribute(item, new CallOp(CallOpKind.OpenWait, ts, ts));
                }

                break;

            case EventType.CallAnswered:
                if (!call.Exists)
                {
                    // Queued before state began: answered (and offered) without an answer time;
                    // kept so its end still gives a handle time.
                    Contribute(item, new CallOp(CallOpKind.UnknownAnswer, ts, 0));
                    call = new Call { Exists = true, QueuedMs = None, AnsweredMs = ts, LastEventMs = ts };
                }
                else if (call.AnsweredMs == None)
                {
                    Contribute(item, new CallOp(CallOpKind.AnswerTime, ts, ts - call.QueuedMs));
                    Contribute(item, new CallOp(CallOpKind.CloseWait, ts, call.QueuedMs));
                    call.AnsweredMs = ts;
                }

                break;

            case EventType.CallAbandoned:
                // An abandon after the answer is ignored: the call was answered and waits for its end.
                if (!call.Exists)
                {
                    Contribute(item, new CallOp(CallOpKind.Abandon, ts, 0));
                }
                else if (call.AnsweredMs == None)
                {
                    Contribute(item, new CallOp(CallOpKind.Abandon, ts, 0));
                    Contribute(item, new CallOp(CallOpKind.CloseWait, ts, call.QueuedMs));
                    call = default;
                }

                break;

            case EventType.CallEnded:
                if (call.Exists)
                {
                    if (call.AnsweredMs != None)
                    {
                        Contribute(item, new CallOp(CallOpKind.HandleTime, ts, ts - call.AnsweredMs));
                    }
                    else
                    {
                        // Ended while still queued: the wait ends, neither answered nor abandoned.
                        Contribute(item, new CallOp(CallOpKind.CloseWait, ts, call.QueuedMs));
                    }

                    call = default;
                }

                break;
        }
    }

    protected override void ApplyOp(Item item, in CallOp op, int sign)
    {
        switch (op.Kind)
        {
            case CallOpKind.Touch:
                var type = (EventType)op.Value;
                Touch(_backlogActivity, op.TimeMs, sign);
                if (type is EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned)
                {
                    Touch(_answerActivity, op.TimeMs, sign);
                }

                if (type is EventType.CallAnswered or EventType.CallEnded)
                {
                    Touch(_handleActivity, op.TimeMs, sign);
                }

                break;
            case CallOpKind.OpenWait when sign > 0:
                _waiting.Open(op.Value, item.Id);
                break;
            case CallOpKind.OpenWait:
                _waiting.UndoOpen(op.Value, item.Id);
                break;
            case CallOpKind.CloseWait when sign > 0:
                _waiting.Close(op.Value, item.Id, op.TimeMs);
                break;
            case CallOpKind.CloseWait:
                _waiting.UndoClose(op.Value, item.Id, op.TimeMs);
                break;
            case CallOpKind.AnswerTime when sign > 0:
                _answerTimes.Add(op.TimeMs, op.Value);
                break;
            case CallOpKind.AnswerTime:
                _answerTimes.Remove(op.TimeMs, op.Value);
                break;
            case CallOpKind.HandleTime when sign > 0:
                _handleTimes.Add(op.TimeMs, op.Value);
                break;
            case CallOpKind.HandleTime:
                _handleTimes.Remove(op.TimeMs, op.Value);
                break;
            case CallOpKind.UnknownAnswer:
                _counts.Add(op.TimeMs, UnknownAnswersLane, sign);
                break;
            case CallOpKind.Abandon:
                _counts.Add(op.TimeMs, AbandonsLane, sign);
                break;
        }
    }

    private static void Touch(Activity activity, long timestampMs, int sign)
    {
        if (sign > 0)
        {
            activity.Touch(timestampMs);
        }
        else
        {
            activity.Untouch(timestampMs);
        }
    }

    /// <summary>Early: call_answer and call_handle only when rules read them, their percentiles only when asked for.</summary>
    private void EmitEarly(in View view, Action<MetricPoint> emit)
    {
        if (view.Wants(MetricSchemas.CallAnswer))
        {
            var answers = _answerTimes.Read(view, _answerScratch ??= new SampleView());
            var unknown = _counts.Read(view, UnknownAnswersLane);
            var abandoned = _counts.Read(view, AbandonsLane);
            var offered = answers.Count + unknown + abandoned;
            if (offered > 0 || _answerActivity.Active(view, _ttlMs))
            {
                var point = (_answerPoint ??= MetricSchemas.Series(MetricSchemas.CallAnswer, _shopId)).Begin(view.AtMs);
                emit(AnswerFields(point, answers, offered, unknown, abandoned, view));
            }
        }

        if (view.Wants(MetricSchemas.CallHandle))
        {
            var handles = _handleTimes.Read(view, _handleScratch ??= new SampleView());
            if (handles.Count > 0 || _handleActivity.Active(view, _ttlMs))
            {
                var point = (_handlePoint ??= MetricSchemas.Series(MetricSchemas.CallHandle, _shopId)).Begin(view.AtMs);
                emit(HandleFields(point, handles));
            }
        }
    }

    private static MetricPoint AnswerFields(MetricPoint point, ISampleRead answers, long offered, long unknown, long abandoned, in View view)
    {
        point.Set(0, offered).Set(1, answers.Count + unknown).Set(2, abandoned);
        if (offered == 0)
        {
            return point;
        }

        point.Set(3, (double)abandoned / offered).Set(4, (double)answers.Within / offered);
        if (answers.Count > 0)
        {
            var schema = MetricSchemas.CallAnswer;
            PointBuilder.SetIf(point, view, schema, 5, answers, 50);
            PointBuilder.SetIf(point, view, schema, 6, answers, 90);
            PointBuilder.SetIf(point, view, schema, 7, answers, 99);
        }

        return point;
    }

    private static MetricPoint HandleFields(MetricPoint point, ISampleRead handles)
    {
        var count = handles.Count;
        point.Set(0, count);
        if (count > 0)
        {
            point.Set(1, handles.Percentile(50) / 1000.0).Set(2, handles.Percentile(90) / 1000.0).Set(3, PointBuilder.MeanSeconds(handles.Sum, count));
        }

        return point;
    }

    /// <summary>A call's state: queue time (<see cref="None"/> when queued before state began), answer time, last event.</summary>
    internal struct Call
    {
        public bool Exists;
        public long QueuedMs;
        public long AnsweredMs;
        public long LastEventMs;
    }

    internal readonly struct CallEvent(MonitorEvent e) : ILoggedEvent
    {
        public long TimestampMs { get; } = e.TimestampMs;

        public string EventId { get; } = e.EventId;

        public EventType Type { get; } = e.Type;

        public int Rank => EventRank.Of(Type, Sender.Customer);
    }

    internal enum CallOpKind : byte
    {
        Touch,
        OpenWait,
        CloseWait,
        AnswerTime,
        UnknownAnswer,
        Abandon,
        HandleTime,
    }

    /// <summary>One contribution at <see cref="TimeMs"/>; <see cref="Value"/> is the queue time of a wait, a duration, or the event type of a touch.</summary>
    internal readonly record struct CallOp(CallOpKind Kind, long TimeMs, long Value);
}
