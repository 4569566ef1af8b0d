namespace Monitor.Core.Events;

/// <summary>
/// Why a message was rejected. The label value of <c>monitor_events_invalid_total{reason}</c> and
/// the <c>dlq-reason</c> header: a small fixed set, so the metric stays bounded.
/// </summary>
public enum InvalidReason : byte
{
    TooLarge,
    InvalidUtf8,
    MalformedJson,
    NotAnObject,
    WrongType,
    MissingField,
    UnknownType,
    WrongTopic,
    BadTimestamp,
    FutureTimestamp,
    InvalidValue,

    /// <summary>Event time older than the look-back (live: the clock − the max age): it would open an item "waiting" for years.</summary>
    TooOld,

    /// <summary>A new shop beyond the instance's cap (<c>pipeline.maxShops</c>); the shops already here keep working.</summary>
    OverCapacity,
}

/// <summary>The <c>reason</c> label values of rejected events (<c>monitor_events_invalid_total</c>, dead letters).</summary>
public static class InvalidReasons
{
    public static string Label(InvalidReason reason) => reason switch
    {
        InvalidReason.TooLarge => "too_large",
        InvalidReason.InvalidUtf8 => "invalid_utf8",
        InvalidReason.MalformedJson => "malformed_json",
        InvalidReason.NotAnObject => "not_an_object",
        InvalidReason.WrongType => "wrong_type",
        InvalidReason.MissingField => "missing_field",
        InvalidReason.UnknownType => "unknown_type",
        InvalidReason.WrongTopic => "wrong_topic",
        InvalidReason.BadTimestamp => "bad_timestamp",
        InvalidReason.FutureTimestamp => "future_timestamp",
        InvalidReason.InvalidValue => "invalid_value",
        InvalidReason.TooOld => "too_old",
        InvalidReason.OverCapacity => "over_capacity",
        _ => "unknown",
    };
}

/// <summary>The outcome of decoding one message: an event, or a reason and a detail for the dead-letter header.</summary>
public readonly record struct DecodeResult(MonitorEvent? Event, InvalidReason Reason, string? Detail)
{
    public bool IsValid => Event is not null;

    public static DecodeResult Ok(MonitorEvent e) => new(e, default, null);

    public static DecodeResult Fail(InvalidReason reason, string detail) => new(null, reason, detail);
}
