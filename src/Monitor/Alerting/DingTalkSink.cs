using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// A DingTalk (钉钉) group's custom robot (docs/alerts.md, "DingTalk"): markdown messages
/// (<c>{"msgtype":"markdown","markdown":{"title","text"},"at":{"isAtAll":false}}</c>), at most 20 a
/// minute (beyond it DingTalk throttles the robot for 10 minutes, errcode 130101), at most
/// <see cref="MaxTextLength"/> bytes of text. With a signing secret every request carries
/// <c>timestamp</c> and <c>sign</c> = Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
/// errcode 0 is accepted, 130101 (too fast) is tried again after a minute, any other code is
/// counted failed and logged with it.
/// </summary>
public sealed class DingTalkSink : RobotSink
{
    /// <summary>Messages DingTalk accepts per robot per minute.</summary>
    public const int RobotMessagesPerMinute = 20;

    /// <summary>Longest markdown text of one message, in UTF-8 bytes (kept well inside what DingTalk takes).</summary>
    public const int MaxTextLength = 4_000;

    private readonly string? _secret;

    /// <summary>Validates <paramref name="receiver"/> and starts the send loop.</summary>
    /// <param name="http">Client to send with (owned by the caller); null makes one the sink disposes.</param>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null.</param>
    public DingTalkSink(
        ReceiverOptions receiver,
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILogger<DingTalkSink>? logger = null,
        Random? jitter = null)
        : base("DingTalk", receiver, options, http, time, metrics, logger, jitter)
    {
        _secret = receiver.Secret is { Length: > 0 } secret ? secret : null;
    }

    private protected override int MessagesPerMinute => RobotMessagesPerMinute;

    private protected override int MaxTextBytes => MaxTextLength;

    /// <summary>The signed address of one request at <paramref name="now"/>: the robot URL plus <c>timestamp</c> and <c>sign</c>.</summary>
    public static Uri Sign(Uri url, string secret, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret));
        var separator = url.Query.Length > 1 ? "&" : "?";
        return new Uri($"{url.AbsoluteUri}{separator}timestamp={timestamp}&sign={Uri.EscapeDataString(Convert.ToBase64String(signature))}");
    }

    private protected override Uri? Endpoint(DateTimeOffset now) => _secret is null ? null : Sign(Url, _secret, now);

    private protected override byte[] Body(string title, string text, Mentions mentions, DateTimeOffset now) => AlertJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("msgtype", "markdown");
        writer.WriteStartObject("markdown");
        writer.WriteString("title", title);
        writer.WriteString("text", text);
        writer.WriteEndObject();
        writer.WriteStartObject("at");
        if (mentions.Mobiles.Count > 0)
        {
            writer.WriteStartArray("atMobiles");
            mentions.Mobiles.ToList().ForEach(writer.WriteStringValue);
            writer.WriteEndArray();
        }

        if (mentions.UserIds.Count > 0)
        {
            writer.WriteStartArray("atUserIds");
            mentions.UserIds.ToList().ForEach(writer.WriteStringValue);
            writer.WriteEndArray();
        }

        writer.WriteBoolean("isAtAll", false);
        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    /// <summary>In a markdown message DingTalk mentions only the people whose <c>@mobile</c> or <c>@userId</c> is in the text as well as in <c>at</c>.</summary>
    private protected override string MentionLine(Mentions mentions) =>
        string.Join(" ", mentions.Mobiles.Concat(mentions.UserIds).Select(who => "@" + who));

    private protected override AnswerVerdict Judge(long errcode, string? errmsg) => errcode switch
    {
        0 => AnswerVerdict.Ok,
        130101 => TooFast($"DingTalk errcode 130101 ({errmsg}): over {RobotMessagesPerMinute} messages a minute"),
        _ => AnswerVerdict.Refused($"DingTalk errcode {errcode} ({errmsg})"),
    };
}
