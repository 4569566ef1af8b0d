using System.Text.Json;
using System.Text.Json.Serialization;

using Monitor.Core.Events;

namespace Monitor.Core.Tests.Events.Reference;

/// <summary>The wire shape of every event: all fields of all types, nullable. Validation turns it into a <see cref="MonitorEvent"/>.</summary>
/// <summary>The wire shape as the first decoder read it (System.Text.Json source generation), kept as the reference for the hand-written one.</summary>
internal sealed class RawEvent
{
    public string? Topic { get; set; }
    public string? Type { get; set; }
    public string? EventId { get; set; }
    public string? ShopId { get; set; }
    public WireTimestamp? Ts { get; set; }
    public string? ConversationId { get; set; }
    public string? Channel { get; set; }
    public string? Sender { get; set; }
    public string? AgentId { get; set; }
    public string? Text { get; set; }
    public string? ResolvedBy { get; set; }
    public int? Satisfaction { get; set; }
    public string? CallId { get; set; }
    public string? Queue { get; set; }
    public string? OrderId { get; set; }
    public double? Amount { get; set; }
    public string? Region { get; set; }
    public WireTimestamp? ShipBy { get; set; }
    public string? Carrier { get; set; }
    public string? Status { get; set; }
    public bool? Damaged { get; set; }
    public string? RefundId { get; set; }
    public int? Rating { get; set; }
    public string? Speaker { get; set; }
}

/// <summary>
/// A timestamp as sent: RFC 3339 with an offset, or integer epoch milliseconds. Parsing never
/// throws, so a bad timestamp is reported as such rather than as a JSON error.
/// </summary>
[JsonConverter(typeof(WireTimestampConverter))]
internal readonly record struct WireTimestamp(long Milliseconds, bool IsValid);

internal sealed class WireTimestampConverter : JsonConverter<WireTimestamp>
{
    public override WireTimestamp Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var ms) ? new WireTimestamp(ms, true) : default;
            case JsonTokenType.String when !reader.HasValueSequence && !reader.ValueIsEscaped:
                return Rfc3339.TryParse(reader.ValueSpan, out var fast) ? new WireTimestamp(fast, true) : default;
            case JsonTokenType.String:
                return TryParseRfc3339(reader.GetString(), out var parsed) ? new WireTimestamp(parsed, true) : default;
            default:
                reader.Skip();
                return default;
        }
    }

    public override void Write(Utf8JsonWriter writer, WireTimestamp value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Milliseconds);

    /// <summary>RFC 3339 requires an offset (Z or ±hh:mm); a local time without one is rejected.</summary>
    internal static bool TryParseRfc3339(string? text, out long milliseconds)
    {
        milliseconds = 0;
        return text is not null && Rfc3339.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out milliseconds);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(RawEvent))]
internal sealed partial class ReferenceJsonContext : JsonSerializerContext;
