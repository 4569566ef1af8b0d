namespace Monitor.Core.Events;

/// <summary>
/// Why a message was rejected. The label value of <c>monitor_events_invalid_total{reason}</c> and
/// the <c>dlq-reason</c> header: a small fixed set, so the metric stays bounded.
/// </summary>
public enum InvalidReason : byte
{
    /// <summary>The message is larger than <see cref="DecoderOptions.MaxMessageBytes"/>.</summary>
    TooLarge,
    /// <summary>The message is not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>The message is empty or not well-formed JSON.</summary>
    MalformedJson,
    /// <summary>Well-formed JSON, but not an object.</summary>
    NotAnObject,
    /// <summary>A known field has the wrong JSON type (e.g. a number where a string belongs).</summary>
    WrongType,
    /// <summary>A required field is missing.</summary>
    MissingField,
    /// <summary>The <c>type</c> is not an event type of DESIGN §3.</summary>
    UnknownType,
    /// <summary>The event type belongs on another topic than the one it was read from, or than its own <c>topic</c> field names (replay).</summary>
    WrongTopic,
    /// <summary>A timestamp (<c>ts</c>, <c>shipBy</c>) is neither RFC 3339 with offset nor epoch milliseconds, or lies outside the plausible range (default 2000..2100).</summary>
    BadTimestamp,
    /// <summary>Event time too far ahead of the clock (live mode).</summary>
    FutureTimestamp,
    /// <summary>A field has a value outside its contract: an empty, overlong or control-character id, an unknown enum name, a rating out of 1..5, a negative amount.</summary>
    InvalidValue,

    /// <summary>Event time older than the look-back (live: the clock − the max age): it would open an item "waiting" for years.</summary>
    TooOld,

    /// <summary>A new shop beyond the instance's cap (<c>pipeline.maxShops</c>); the shops already here keep working.</summary>
    OverCapacity,
}

/// <summary>The <c>reason</c> label values of rejected events (<c>monitor_events_invalid_total</c>, dead letters).</summary>
public static class InvalidReasons
{
    /// <summary>The snake_case label value of a reason, e.g. <c>missing_field</c>.</summary>
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
    /// <summary>True when the message decoded to an event.</summary>
    public bool IsValid => Event is not null;

    /// <summary>A decoded event.</summary>
    public static DecodeResult Ok(MonitorEvent e) => new(e, default, null);

    /// <summary>A rejection, with a detail that names fields and positions, never field values.</summary>
    public static DecodeResult Fail(InvalidReason reason, string detail) => new(null, reason, detail);
}
