using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// A Feishu (飞书) group's custom bot (docs/alerts.md, "Feishu"): interactive cards
/// (<c>{"msg_type":"interactive","card":{"header":{…},"elements":[{"tag":"markdown","content"}]}}</c>),
/// at most 100 a minute and 5 a second (one every 200 ms), at most <see cref="MaxTextLength"/>
/// bytes of text. With a signing secret every body carries <c>timestamp</c> (seconds) and
/// <c>sign</c> = Base64(HMAC-SHA256(key: timestamp + "\n" + secret, message: empty)). Feishu
/// answers <c>{"code","msg"}</c>: 0 is accepted, any other code (19021: signature or timestamp
/// refused) is counted failed and logged with it.
/// </summary>
public sealed class FeishuSink : RobotSink
{
    /// <summary>Messages Feishu accepts per custom bot per minute.</summary>
    public const int RobotMessagesPerMinute = 100;

    /// <summary>Longest markdown text of one card, in UTF-8 bytes (the whole body must stay under 20 KB).</summary>
    public const int MaxTextLength = 4_000;

    private readonly string? _secret;

    /// <summary>Validates <paramref name="receiver"/> and starts the send loop.</summary>
    /// <param name="http">Client to send with (owned by the caller); null makes one the sink disposes.</param>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null.</param>
    public FeishuSink(
        ReceiverOptions receiver,
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILogger<FeishuSink>? logger = null,
        Random? jitter = null)
        : base("Feishu", receiver, options, http, time, metrics, logger, jitter)
    {
        _secret = receiver.Secret is { Length: > 0 } secret ? secret : null;
    }

    private protected override int MessagesPerMinute => RobotMessagesPerMinute;

    private protected override TimeSpan MinInterval => TimeSpan.FromMilliseconds(200);

    private protected override int MaxTextBytes => MaxTextLength;

    /// <summary>The <c>sign</c> of a body sent at <paramref name="timestamp"/> (Unix seconds).</summary>
    public static string Sign(string secret, long timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}\n{secret}"), Array.Empty<byte>()));

    /// <summary>A card's markdown mentions by <c>&lt;at id=open_id&gt;&lt;/at&gt;</c>: user ids are Feishu open_ids; phone numbers are left out.</summary>
    private protected override string MentionLine(Mentions mentions) =>
        string.Join(" ", mentions.UserIds.Select(id => $"<at id={id}></at>"));

    private protected override byte[] Body(string title, string text, Mentions mentions, DateTimeOffset now) => AlertJson.Write(writer =>
    {
        writer.WriteStartObject();
        if (_secret is not null)
        {
            var timestamp = now.ToUnixTimeSeconds();
            writer.WriteString("timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("sign", Sign(_secret, timestamp));
        }

        writer.WriteString("msg_type", "interactive");
        writer.WriteStartObject("card");
        writer.WriteStartObject("header");
        writer.WriteStartObject("title");
        writer.WriteString("tag", "plain_text");
        writer.WriteString("content", title);
        writer.WriteEndObject();
        writer.WriteString("template", title.StartsWith("[resolved]", StringComparison.Ordinal) ? "green" : title.StartsWith("[critical]", StringComparison.Ordinal) ? "red" : "orange");
        writer.WriteEndObject();
        writer.WriteStartArray("elements");
        writer.WriteStartObject();
        writer.WriteString("tag", "markdown");
        writer.WriteString("content", text);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    private protected override AnswerVerdict Judge(long errcode, string? errmsg) => errcode switch
    {
        0 => AnswerVerdict.Ok,
        _ => AnswerVerdict.Refused($"Feishu code {errcode} ({errmsg})"),
    };
}
