using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Observability;
using Prometheus;

namespace Monitor.Pipeline;

/// <summary>
/// The edge between raw messages and the pipeline: decode and validate, dead-letter and count
/// what is invalid, drop and count duplicates, count what is consumed. Never throws for bad input.
/// One instance per consumer thread (not thread-safe).
/// </summary>
public sealed class EventIntake
{
    private readonly EventDecoder _decoder;
    private readonly EventIdDeduplicator _deduplicator;
    private readonly MonitorMetrics _metrics;
    private readonly IDeadLetterSink _deadLetters;
    private readonly Func<long?> _notAfterMs;
    private readonly Func<long?> _notBeforeMs;
    private readonly Dictionary<string, Counter.Child> _consumed = new(StringComparer.Ordinal);

    // The message behind the event returned last, for Refused (the pipeline applies an event before the next message is read).
    private MonitorEvent? _lastEvent;
    private byte[]? _lastKey;
    private byte[] _lastPayload = [];
    private string _lastOrigin = "";
    private bool _lastReplayed;

    /// <param name="notAfterMs">Latest acceptable event time now (live mode: clock + the allowed future), or null for none.</param>
    /// <param name="notBeforeMs">Earliest acceptable event time now (live mode: clock − the max age), or null for none.</param>
    public EventIntake(EventDecoder decoder, EventIdDeduplicator deduplicator, MonitorMetrics metrics, IDeadLetterSink deadLetters, Func<long?>? notAfterMs = null, Func<long?>? notBeforeMs = null)
    {
        _decoder = decoder;
        _deduplicator = deduplicator;
        _metrics = metrics;
        _deadLetters = deadLetters;
        _notAfterMs = notAfterMs ?? (() => null);
        _notBeforeMs = notBeforeMs ?? (() => null);
    }

    /// <summary>
    /// Refill one event per message instead of a new one (the hot path: the pipeline applies an
    /// event before the next message is read and keeps none). Off by default: callers that keep
    /// the events they get need their own.
    /// </summary>
    public bool ReuseEvents { get; init; }

    /// <summary>The cap on shops (<see cref="ShopAdmission"/>); null admits every shop.</summary>
    public ShopAdmission? Admission { get; init; }

    /// <summary>Live messages handed on to the pipeline so far, less those it then refused; look-back re-reads are not counted.</summary>
    public long Accepted { get; private set; }

    /// <summary>Live messages rejected so far (by decoding, validation or a capacity cap) and dead-lettered; look-back re-reads are not counted.</summary>
    public long Invalid { get; private set; }

    /// <summary>Live messages dropped so far because their eventId was already seen.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Forgets the ids of events read but not applied (their partition was revoked): they will be read again.</summary>
    public void Forget(IEnumerable<string> eventIds)
    {
        foreach (var id in eventIds)
        {
            _deduplicator.Forget(id);
        }
    }

    /// <summary>
    /// A message read again to rebuild state (the look-back before the committed offset): it was
    /// counted, dead-lettered and de-duplicated the first time, so here it is decoded under the same
    /// validation as live (time bounds included: a message stamped years ahead must not move the
    /// watermark now any more than it could then), rejections are counted in
    /// <c>monitor_events_rebuild_rejected_total</c> but not dead-lettered again, and it is
    /// de-duplicated against <paramref name="rebuildIds"/> (this rebuild's own ids) instead of the
    /// live ids. Null for an invalid or repeated message.
    /// </summary>
    public MonitorEvent? AcceptReplayed(Topic? topic, byte[] payload, EventIdDeduplicator rebuildIds)
    {
        var result = Decode(payload, topic, _notAfterMs(), _notBeforeMs());
        if (result.Event is { } decoded && Admission?.Admit(decoded.ShopId, decoded.TimestampMs) == false)
        {
            result = DecodeResult.Fail(InvalidReason.OverCapacity, OverCapacityDetail);
        }

        if (result.Event is not { } e)
        {
            _metrics.EventsRebuildRejected.WithLabels(topic is { } t ? Names.Of(t) : "unknown", InvalidReasons.Label(result.Reason)).Inc();
            return null;
        }

        if (!rebuildIds.FirstSeen(e.EventId))
        {
            return null;
        }

        _metrics.EventsReplayed.WithLabels(Names.Of(e.Topic)).Inc();
        Remember(e, null, payload, "", replayed: true);
        return e;
    }

    /// <summary>
    /// Returns the event to apply, or null when the message was rejected or a duplicate.
    /// <paramref name="topicName"/> is the source topic; <paramref name="topic"/> is null when the
    /// source does not fix it (a replay line with a topic field).
    /// </summary>
    public MonitorEvent? Accept(string topicName, Topic? topic, byte[]? key, byte[] payload, string origin)
    {
        var result = Decode(payload, topic, _notAfterMs(), _notBeforeMs());
        var label = result.Event is { } decoded ? Names.Of(decoded.Topic) : topicName;
        if (result.Event is { } admitted && Admission?.Admit(admitted.ShopId, admitted.TimestampMs) == false)
        {
            result = DecodeResult.Fail(InvalidReason.OverCapacity, OverCapacityDetail);
        }

        Consumed(label).Inc();
        if (result.Event is not { } e)
        {
            Invalid++;
            _metrics.EventsInvalid.WithLabels(label, InvalidReasons.Label(result.Reason)).Inc();
            _deadLetters.Send(label, key, payload, result.Reason, result.Detail ?? "", origin);
            return null;
        }

        if (!_deduplicator.FirstSeen(e.EventId))
        {
            Duplicates++;
            _metrics.EventsDuplicate.WithLabels(label).Inc();
            return null;
        }

        Accepted++;
        Remember(e, key, payload, origin, replayed: false);
        return e;
    }

    /// <summary>
    /// The pipeline refused <paramref name="e"/>, the event this intake returned last (it would add
    /// an item to a shop family at <c>pipeline.maxItemsPerShop</c>, or to an instance at
    /// <c>pipeline.maxItems</c>, as <paramref name="verdict"/> says): like a message rejected here,
    /// it is dead-lettered as <c>over_capacity</c> with its original bytes and counted (during the
    /// rebuild, counted in <c>monitor_events_rebuild_rejected_total</c> only).
    /// </summary>
    public void Refused(MonitorEvent e, EventVerdict verdict, EngineOptions engine)
    {
        var label = Names.Of(e.Topic);
        var reason = InvalidReasons.Label(InvalidReason.OverCapacity);
        var last = ReferenceEquals(e, _lastEvent);
        _lastEvent = null;
        if (last && _lastReplayed)
        {
            _metrics.EventsRebuildRejected.WithLabels(label, reason).Inc();
            return;
        }

        Invalid++;
        _metrics.EventsInvalid.WithLabels(label, reason).Inc();
        if (last)
        {
            Accepted--;
            var detail = verdict == EventVerdict.RefusedInstanceFull
                ? $"a new {ItemKind(e.Type)} beyond pipeline.maxItems ({engine.MaxItems:N0} held by the instance)"
                : $"a new {ItemKind(e.Type)} beyond pipeline.maxItemsPerShop ({engine.MaxItemsPerShop:N0} held by the shop)";
            _deadLetters.Send(label, _lastKey, _lastPayload, InvalidReason.OverCapacity, detail, _lastOrigin);
        }
    }

    private static string ItemKind(EventType type) => type switch
    {
        EventType.AgentStatus => "agent",
        EventType.OrderPaid => "order",
        EventType.RefundRequested or EventType.RefundCompleted or EventType.RefundRejected => "refund",
        EventType.CallQueued or EventType.CallAnswered or EventType.CallAbandoned or EventType.CallEnded => "call",
        _ => "conversation",
    };

    private void Remember(MonitorEvent e, byte[]? key, byte[] payload, string origin, bool replayed)
    {
        _lastEvent = e;
        _lastKey = key;
        _lastPayload = payload;
        _lastOrigin = origin;
        _lastReplayed = replayed;
    }

    private string? _overCapacityDetail;

    private string OverCapacityDetail => _overCapacityDetail ??= $"a new shop beyond pipeline.maxShops ({Admission!.MaxShops:N0} shops already here)";

    private DecodeResult Decode(byte[] payload, Topic? topic, long? notAfterMs, long? notBeforeMs) =>
        ReuseEvents ? _decoder.DecodeShared(payload, topic, notAfterMs, notBeforeMs) : _decoder.Decode(payload, topic, notAfterMs, notBeforeMs);

    private Counter.Child Consumed(string topic)
    {
        if (!_consumed.TryGetValue(topic, out var child))
        {
            child = _metrics.EventsConsumed.WithLabels(topic);
            _consumed[topic] = child;
        }

        return child;
    }
}
