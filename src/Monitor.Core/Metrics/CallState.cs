using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Calls of one shop (DESIGN §4): answer time, offered/answered/abandoned and service level
/// (call_answer), handle time (call_handle), both over the window [b − W, b), and the call queue
/// backlog at b (backlog queue=call). A call waits from call_queued until it is answered, abandoned
/// or ended; it leaves state when ended or abandoned, so an answered call stays (one small object)
/// until its end gives the handle time. call_transcript is not this family's (keywords read it).
/// Events must be applied in event-time order; the engine guarantees it.
/// </summary>
internal sealed class CallState(string shopId, EngineOptions options) : IShopFamily
{
    private const long None = long.MinValue;

    private readonly Dictionary<string, Call> _calls = new(StringComparer.Ordinal);
    private readonly SortedSet<TimedKey<Call>> _waiting = [];

    // Answer times (s) of answers whose queue time is known, stamped at the answer.
    private readonly SampleWindow _answerTimes = new();

    // Answers of calls queued before state began (a restart): offered and answered, no answer time.
    private readonly SampleWindow _unknownAnswers = new();
    private readonly SampleWindow _abandons = new();
    private readonly SampleWindow _handleTimes = new();

    private readonly long _windowMs = (long)options.ConversationWindow.TotalMilliseconds;
    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    private readonly long _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
    private readonly double _serviceLevelSeconds = options.ServiceLevelThreshold.TotalMilliseconds / 1000.0;

    // Newest event time per series activity rule (see docs/metrics.md).
    private long _lastBacklogEventMs = None;
    private long _lastAnswerEventMs = None;
    private long _lastHandleEventMs = None;
    private long _nextSequence;

    /// <summary>Calls held in state: waiting, or answered and not yet ended.</summary>
    public int OpenCalls => _calls.Count;

    /// <summary>Calls queued and neither answered nor abandoned, longest-waiting first.</summary>
    public IEnumerable<OpenItem> Waiting() => OpenItem.Of(_waiting, c => c.Id);

    /// <summary>Applies one calls event. Returns false when it was ignored (a transcript, or a late event older than its call's last applied one).</summary>
    public bool Apply(MonitorEvent e, bool late)
    {
        if (e.Type is not (EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned or EventType.CallEnded))
        {
            return false;
        }

        var id = e.CallId!;
        var ts = e.TimestampMs;
        _calls.TryGetValue(id, out var call);
        if (late && call is not null && ts < call.LastEventMs)
        {
            return false;
        }

        Touch(e.Type, ts);
        if (call is not null)
        {
            call.LastEventMs = Math.Max(call.LastEventMs, ts);
        }

        switch (e.Type)
        {
            case EventType.CallQueued:
                // A second call_queued for a call in state keeps the first queue time.
                if (call is null)
                {
                    call = new Call(id, ts, _nextSequence++) { LastEventMs = ts };
                    _calls.Add(id, call);
                    _waiting.Add(call.WaitKey);
                }

                break;

            case EventType.CallAnswered:
                if (call is null)
                {
                    // Queued before state began: answered (and offered) without an answer time;
                    // kept so its end still gives a handle time.
                    _unknownAnswers.Add(ts, 0);
                    _calls.Add(id, new Call(id, None, _nextSequence++) { AnsweredMs = ts, LastEventMs = ts });
                }
                else if (call.AnsweredMs == None)
                {
                    _answerTimes.Add(ts, (ts - call.QueuedMs) / 1000.0);
                    _waiting.Remove(call.WaitKey);
                    call.AnsweredMs = ts;
                }

                break;

            case EventType.CallAbandoned:
                // An abandon after the answer is ignored: the call was answered and waits for its end.
                if (call is null)
                {
                    _abandons.Add(ts, 0);
                }
                else if (call.AnsweredMs == None)
                {
                    _abandons.Add(ts, 0);
                    _waiting.Remove(call.WaitKey);
                    _calls.Remove(id);
                }

                break;

            case EventType.CallEnded:
                if (call is not null)
                {
                    if (call.AnsweredMs != None)
                    {
                        _handleTimes.Add(ts, (ts - call.AnsweredMs) / 1000.0);
                    }
                    else
                    {
                        // Ended while still queued: the wait ends, neither answered nor abandoned.
                        _waiting.Remove(call.WaitKey);
                    }

                    _calls.Remove(id);
                }

                break;
        }

        return true;
    }

    /// <summary>Emits backlog(queue=call), call_answer and call_handle for boundary <paramref name="boundaryMs"/>, each when active.</summary>
    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        var activeSince = boundaryMs - _ttlMs;
        EvictWindows(boundaryMs - _windowMs);

        if (_waiting.Count > 0 || _lastBacklogEventMs >= activeSince)
        {
            emit(PointBuilder.Backlog(shopId, "call", _waiting.Count, _waiting.Count > 0 ? _waiting.Min.TimeMs : boundaryMs, boundaryMs));
        }

        var offered = _answerTimes.Count + _unknownAnswers.Count + _abandons.Count;
        if (offered > 0 || _lastAnswerEventMs >= activeSince)
        {
            emit(new MetricPoint(Measurements.CallAnswer, [PointBuilder.Tag("shop", shopId)], AnswerFields(offered), boundaryMs));
        }

        if (_handleTimes.Count > 0 || _lastHandleEventMs >= activeSince)
        {
            emit(new MetricPoint(Measurements.CallHandle, [PointBuilder.Tag("shop", shopId)], HandleFields(), boundaryMs));
        }
    }

    /// <summary>True when no call is open, no window holds a sample and no series is active any more.</summary>
    public bool IsIdle(long boundaryMs)
    {
        if (_calls.Count > 0)
        {
            return false;
        }

        EvictWindows(boundaryMs - _windowMs);
        var activeSince = boundaryMs - _ttlMs;
        return _answerTimes.Count + _unknownAnswers.Count + _abandons.Count + _handleTimes.Count == 0
            && _lastBacklogEventMs < activeSince
            && _lastAnswerEventMs < activeSince
            && _lastHandleEventMs < activeSince;
    }

    /// <summary>Drops calls with no event for <see cref="EngineOptions.StaleItemAge"/> (a lost end or answer), waiting or not.</summary>
    public void EvictStale(long boundaryMs) =>
        StaleItems.Evict(_calls, c => c.LastEventMs, boundaryMs - _staleMs, (id, call) =>
        {
            if (call.QueuedMs != None && call.AnsweredMs == None)
            {
                _waiting.Remove(call.WaitKey);
            }

            _calls.Remove(id);
        });

    private List<MetricField> AnswerFields(int offered)
    {
        var answered = _answerTimes.Count + _unknownAnswers.Count;
        var abandoned = _abandons.Count;
        var fields = new List<MetricField>(8)
        {
            MetricField.Int("offered", offered),
            MetricField.Int("answered", answered),
            MetricField.Int("abandoned", abandoned),
        };

        if (offered == 0)
        {
            return fields;
        }

        var sorted = _answerTimes.Sorted();
        var withinServiceLevel = 0;
        foreach (var seconds in sorted)
        {
            if (seconds > _serviceLevelSeconds)
            {
                break;
            }

            withinServiceLevel++;
        }

        fields.Add(MetricField.Float("abandon_ratio", (double)abandoned / offered));
        fields.Add(MetricField.Float("service_level_ratio", (double)withinServiceLevel / offered));
        if (!sorted.IsEmpty)
        {
            fields.Add(MetricField.Float("p50", Percentiles.NearestRank(sorted, 50)));
            fields.Add(MetricField.Float("p90", Percentiles.NearestRank(sorted, 90)));
            fields.Add(MetricField.Float("p99", Percentiles.NearestRank(sorted, 99)));
        }

        return fields;
    }

    private List<MetricField> HandleFields()
    {
        var sorted = _handleTimes.Sorted();
        var fields = new List<MetricField>(4) { MetricField.Int("count", sorted.Length) };
        if (sorted.IsEmpty)
        {
            return fields;
        }

        fields.Add(MetricField.Float("p50", Percentiles.NearestRank(sorted, 50)));
        fields.Add(MetricField.Float("p90", Percentiles.NearestRank(sorted, 90)));
        fields.Add(MetricField.Float("mean", PointBuilder.Mean(sorted)));
        return fields;
    }

    private void EvictWindows(long windowStartMs)
    {
        _answerTimes.EvictBefore(windowStartMs);
        _unknownAnswers.EvictBefore(windowStartMs);
        _abandons.EvictBefore(windowStartMs);
        _handleTimes.EvictBefore(windowStartMs);
    }

    /// <summary>Series activity: backlog on every call event; call_answer on queued, answered, abandoned; call_handle on answered, ended.</summary>
    private void Touch(EventType type, long ts)
    {
        _lastBacklogEventMs = Math.Max(_lastBacklogEventMs, ts);
        if (type is EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned)
        {
            _lastAnswerEventMs = Math.Max(_lastAnswerEventMs, ts);
        }

        if (type is EventType.CallAnswered or EventType.CallEnded)
        {
            _lastHandleEventMs = Math.Max(_lastHandleEventMs, ts);
        }
    }

    /// <summary>Per-call state: four longs and the id reference (about 56 bytes with the header); the id string is shared with the dictionary key.</summary>
    private sealed class Call(string id, long queuedMs, long sequence)
    {
        public string Id { get; } = id;

        /// <summary>call_queued time; <see cref="None"/> for a call queued before state began.</summary>
        public long QueuedMs { get; } = queuedMs;

        public long Sequence { get; } = sequence;

        public long AnsweredMs { get; set; } = None;

        public long LastEventMs { get; set; } = None;

        public TimedKey<Call> WaitKey => new(QueuedMs, Sequence, this);
    }
}
