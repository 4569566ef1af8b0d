using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Monitor.Simulation;

namespace Monitor.Tests.Pipeline;

/// <summary>What the intake must do with a message, known by construction.</summary>
internal enum Expected : byte
{
    Accept,
    Reject,
    Duplicate,

    /// <summary>Any outcome is right as long as it is counted once (a random byte flip).</summary>
    Any,
}

/// <summary>One hostile (or harmless) message: its kind for the tally, the bytes, and the outcome it must have.</summary>
internal readonly record struct HostileMessage(string Kind, string Topic, byte[] Payload, Expected Expected, string? Reason = null);

/// <summary>
/// Deterministic mutations of valid simulator events. Every mutant except the duplicates carries a
/// fresh eventId (<c>fz-N</c>), so a mutant that stays valid is accepted instead of colliding with
/// a valid event. Byte flips (at most 3 bits) get <c>flip-N</c>, at least 5 bits away from both
/// <c>fz-</c> and <c>ev-</c> ids, so a flipped id can only collide with another flipped one.
/// </summary>
internal sealed partial class HostileMessages(int seed)
{
    /// <summary>Required fields per type beyond type, eventId, shopId and ts (docs/events.md).</summary>
    private static readonly Dictionary<string, string[]> Required = new()
    {
        ["conversation_started"] = ["conversationId"],
        ["message"] = ["conversationId", "sender"],
        ["conversation_transferred"] = ["conversationId"],
        ["conversation_closed"] = ["conversationId", "resolvedBy"],
        ["call_queued"] = ["callId"],
        ["call_answered"] = ["callId"],
        ["call_abandoned"] = ["callId"],
        ["call_ended"] = ["callId"],
        ["call_transcript"] = ["callId", "speaker", "text"],
        ["order_paid"] = ["orderId"],
        ["order_shipped"] = ["orderId"],
        ["order_cancelled"] = ["orderId"],
        ["tracking_update"] = ["orderId"],
        ["order_delivered"] = ["orderId"],
        ["refund_requested"] = ["orderId", "refundId"],
        ["refund_completed"] = ["refundId"],
        ["refund_rejected"] = ["refundId"],
        ["review"] = ["orderId", "rating"],
        ["agent_status"] = ["agentId", "status"],
    };

    private static readonly string[] CommonFields = ["type", "eventId", "shopId", "ts"];

    /// <summary>Timestamps outside 2000..2100 or without an offset: always bad_timestamp.</summary>
    private static readonly string[] AbsurdTimestamps =
    [
        "\"0001-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00+23:59\"", "\"9999-12-31T23:59:59.999Z\"",
        "\"9999-12-31T23:59:59.999-23:59\"", "\"1999-12-31T23:59:59.999Z\"", "\"2100-01-01T00:00:00Z\"",
        "\"2025-11-10T21:00:00\"", "\"2025-02-30T00:00:00Z\"", "\"2025-11-10T24:00:00Z\"", "\"2025-11-10T23:59:60Z\"",
        "9223372036854775807", "-9223372036854775808", "-62135596800000", "253402300799999", "0", "-1",
        "1.7e12", "1e400", "18446744073709551616", "\"1731243600000\"",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
    ];

    private static readonly string[] NotObjects = ["[]", "[{}]", "\"event\"", "42", "null", "true", "-0.5e3", "[1,2,3]"];

    private static readonly string[] BadNumbers = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "01", "+1", ".5"];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Random _random = new(seed);
    private long _fresh;

    /// <summary>A mutant of <paramref name="original"/>; <paramref name="earlier"/> is a valid event already sent (for duplicates).</summary>
    public HostileMessage Mutate(SimulatedEvent original, SimulatedEvent earlier)
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 12 => Truncated(original),
            < 22 => ByteFlipped(original),
            < 30 => WithInvalidUtf8(original),
            < 40 => WithoutField(original, asNull: false),
            < 48 => WithoutField(original, asNull: true),
            < 60 => WithWrongType(original),
            < 66 => WithBadNumber(original),
            < 74 => WithAbsurdTimestamp(original),
            < 79 => new("duplicate_resent", earlier.Topic, earlier.Json, Expected.Duplicate),
            < 82 => DuplicateIdNewContent(earlier),
            < 84 => WithBadId(original),
            < 86 => WithUnknownOrForeignType(original),
            < 88 => new("empty", original.Topic, Encoding.UTF8.GetBytes(Pick(["", " ", "\r\n\t "])), Expected.Reject, "malformed_json"),
            < 90 => new("not_an_object", original.Topic, Encoding.UTF8.GetBytes(Pick(NotObjects)), Expected.Reject, "not_an_object"),
            < 92 => WithTrailingGarbage(original),
            < 93 => WithBom(original),
            < 95 => DeeplyNested(original),
            < 98 => WithLargeTextUnderLimit(original),
            _ => WithExtraUnknownField(original),
        };
    }

    /// <summary>A message whose text alone is <paramref name="bytes"/> long: far past the 64 KiB limit, so too_large.</summary>
    public HostileMessage Huge(SimulatedEvent original, int bytes, string kind)
    {
        var json = Fresh(original);
        json["text"] = new string('x', bytes);
        return new(kind, original.Topic, Serialize(json), Expected.Reject, "too_large");
    }

    private HostileMessage Truncated(SimulatedEvent e)
    {
        var bytes = FreshBytes(e);
        return new("truncated", e.Topic, bytes[.._random.Next(bytes.Length)], Expected.Reject);
    }

    private HostileMessage ByteFlipped(SimulatedEvent e)
    {
        var bytes = FreshBytes(e, "flip-");
        for (var flips = 1 + _random.Next(3); flips > 0; flips--)
        {
            bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return new("byte_flip", e.Topic, bytes, Expected.Any);
    }

    private HostileMessage WithInvalidUtf8(SimulatedEvent e)
    {
        var bytes = FreshBytes(e);
        var at = _random.Next(bytes.Length + 1);
        return new("invalid_utf8", e.Topic, [.. bytes[..at], .. Pick(InvalidUtf8), .. bytes[at..]], Expected.Reject, "invalid_utf8");
    }

    /// <summary>Removes a field or sets it to null (the same to the decoder): a required one is missing_field, an optional one harmless.</summary>
    private HostileMessage WithoutField(SimulatedEvent e, bool asNull)
    {
        var json = Fresh(e);
        var field = PickField(json);
        var required = IsRequired(json, field);
        if (asNull)
        {
            json[field] = null;
        }
        else
        {
            json.Remove(field);
        }

        var kind = $"{(asNull ? "null" : "missing")}_{(required ? "required" : "optional")}_field";
        return new(kind, e.Topic, Serialize(json), required ? Expected.Reject : Expected.Accept, required ? "missing_field" : null);
    }

    private HostileMessage WithWrongType(SimulatedEvent e)
    {
        var json = Fresh(e);
        var field = PickField(json);
        var replacement = json[field]!.GetValueKind() switch
        {
            JsonValueKind.String => Pick(["7", "true", "[]", "{}", "[\"a\"]", "{\"a\":1}"]),
            JsonValueKind.Number => Pick(["\"12\"", "true", "[]", "{}"]),
            _ => Pick(["\"yes\"", "1", "[]", "{}"]),
        };
        var reason = field is "ts" or "shipBy" ? "bad_timestamp" : "wrong_type";
        return new("wrong_type", e.Topic, WithRaw(json, field, replacement), Expected.Reject, reason);
    }

    private HostileMessage WithBadNumber(SimulatedEvent e)
    {
        var json = Fresh(e);
        var field = Pick(["amount", "satisfaction", "rating", "extra"]);
        var number = Pick(BadNumbers);

        // ±1e400 is well-formed JSON that overflows a double: an int field cannot hold it (wrong_type), an
        // amount is out of range (invalid_value) where the type has one, and elsewhere it is ignored.
        var overflows = number.EndsWith("e400", StringComparison.Ordinal);
        var ignored = field == "extra" || (field == "amount" && (string)json["type"]! is not ("order_paid" or "refund_requested"));
        var expected = overflows && ignored ? Expected.Accept : Expected.Reject;
        return new("bad_number", e.Topic, WithRaw(json, field, number), expected);
    }

    private HostileMessage WithAbsurdTimestamp(SimulatedEvent e)
    {
        var json = Fresh(e);
        var field = json.ContainsKey("shipBy") && _random.Next(2) == 0 ? "shipBy" : "ts";
        return new("absurd_timestamp", e.Topic, WithRaw(json, field, Pick(AbsurdTimestamps)), Expected.Reject, "bad_timestamp");
    }

    private HostileMessage DuplicateIdNewContent(SimulatedEvent earlier)
    {
        var json = JsonNode.Parse(earlier.Json)!.AsObject();
        json["unexpected"] = "same id, other content";
        return new("duplicate_id_new_content", earlier.Topic, Serialize(json), Expected.Duplicate);
    }

    private HostileMessage WithBadId(SimulatedEvent e)
    {
        var json = Fresh(e);
        var field = Pick(["eventId", "shopId"]);
        json[field] = Pick([new string('i', 257), "", "id\u0000zero", "id\nline", "id\u007f", "id\u0085"]);
        return new("bad_id", e.Topic, Serialize(json), Expected.Reject, "invalid_value");
    }

    private HostileMessage WithUnknownOrForeignType(SimulatedEvent e)
    {
        var json = Fresh(e);
        if (_random.Next(2) == 0)
        {
            json["type"] = Pick(["Message", "order_refunded", "", "message ", "MESSAGE"]);
            return new("unknown_type", e.Topic, Serialize(json), Expected.Reject, "unknown_type");
        }

        json["type"] = e.Topic == "orders" ? "call_queued" : "order_cancelled";
        return new("foreign_type", e.Topic, Serialize(json), Expected.Reject, "wrong_topic");
    }

    private HostileMessage WithTrailingGarbage(SimulatedEvent e) =>
        new("trailing_garbage", e.Topic, [.. FreshBytes(e), .. Encoding.UTF8.GetBytes(Pick(["}", ",", "x", "{}", "\u0000"]))], Expected.Reject, "malformed_json");

    private HostileMessage WithBom(SimulatedEvent e) =>
        new("bom", e.Topic, [0xEF, 0xBB, 0xBF, .. FreshBytes(e)], Expected.Reject, "malformed_json");

    private HostileMessage DeeplyNested(SimulatedEvent e)
    {
        var depth = Pick([100, 1_000, 10_000]);
        var nested = new string('[', depth) + new string(']', depth);
        return _random.Next(2) == 0
            ? new("deep_nesting", e.Topic, Encoding.UTF8.GetBytes(nested), Expected.Reject, "malformed_json")
            : new("deep_nesting", e.Topic, WithRaw(Fresh(e), "extra", nested), Expected.Reject, "malformed_json");
    }

    private HostileMessage WithLargeTextUnderLimit(SimulatedEvent e)
    {
        var json = Fresh(e);
        json["text"] = string.Concat(Enumerable.Repeat("大促退款慢 ", 3_000)); // 18,000 characters, 54,000 bytes
        return new("large_text_under_limit", e.Topic, Serialize(json), Expected.Accept);
    }

    private HostileMessage WithExtraUnknownField(SimulatedEvent e) =>
        new("unknown_field", e.Topic, WithRaw(Fresh(e), "Extra", "{\"nested\":[1,2.5,null,\"x\"],\"ts\":\"9999-01-01T00:00:00Z\"}"), Expected.Accept);

    private JsonObject Fresh(SimulatedEvent e)
    {
        var json = JsonNode.Parse(e.Json)!.AsObject();
        json["eventId"] = $"fz-{++_fresh}";
        return json;
    }

    /// <summary>The original bytes (raw UTF-8 texts kept) with a fresh eventId spliced in.</summary>
    private byte[] FreshBytes(SimulatedEvent e, string prefix = "fz-") =>
        Encoding.UTF8.GetBytes(EventIdValue().Replace(Encoding.UTF8.GetString(e.Json), $"\"eventId\":\"{prefix}{++_fresh}\"", 1));

    private string PickField(JsonObject json) => json.ElementAt(_random.Next(json.Count)).Key;

    private static bool IsRequired(JsonObject json, string field) =>
        CommonFields.Contains(field) || Required[(string)json["type"]!].Contains(field);

    private T Pick<T>(T[] choices) => choices[_random.Next(choices.Length)];

    private static byte[] Serialize(JsonObject json) => Encoding.UTF8.GetBytes(json.ToJsonString(Relaxed));

    /// <summary>Sets <paramref name="field"/> to a raw JSON text JsonNode cannot hold (NaN, 1e400, deep nesting).</summary>
    private static byte[] WithRaw(JsonObject json, string field, string raw)
    {
        json[field] = "\u2603raw\u2603";
        return Encoding.UTF8.GetBytes(json.ToJsonString(Relaxed).Replace("\"\u2603raw\u2603\"", raw, StringComparison.Ordinal));
    }

    [GeneratedRegex("\"eventId\":\"[^\"]*\"")]
    private static partial Regex EventIdValue();
}
