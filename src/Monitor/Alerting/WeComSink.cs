using Microsoft.Extensions.Logging;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// A WeCom (企业微信) group robot (docs/alerts.md, "WeCom"): markdown messages
/// (<c>{"msgtype":"markdown","markdown":{"content"}}</c>, content at most 4096 bytes of UTF-8, kept
/// under <see cref="MaxTextLength"/>), at most 20 a minute per robot. The robot's key is in its URL
/// (there is no signing). errcode 0 is accepted, 45009 (api freq out of limit) is tried again after
/// a minute, any other code is counted failed and logged with it.
/// </summary>
public sealed class WeComSink : RobotSink
{
    /// <summary>Messages WeCom accepts per robot per minute.</summary>
    public const int RobotMessagesPerMinute = 20;

    /// <summary>Longest markdown content of one message, in UTF-8 bytes (WeCom takes 4096).</summary>
    public const int MaxTextLength = 4_000;

    /// <summary>Validates <paramref name="receiver"/> and starts the send loop.</summary>
    /// <param name="http">Client to send with (owned by the caller); null makes one the sink disposes.</param>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null.</param>
    public WeComSink(
        ReceiverOptions receiver,
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILogger<WeComSink>? logger = null,
        Random? jitter = null)
        : base("WeCom", receiver, options, http, time, metrics, logger, jitter)
    {
    }

    private protected override int MessagesPerMinute => RobotMessagesPerMinute;

    private protected override int MaxTextBytes => MaxTextLength;

    /// <summary>WeCom markdown mentions by <c>&lt;@userid&gt;</c> only (<c>mentioned_mobile_list</c> is for text messages): phone numbers are left out.</summary>
    private protected override string MentionLine(Mentions mentions) =>
        string.Join(" ", mentions.UserIds.Select(id => $"<@{id}>"));

    private protected override byte[] Body(string title, string text, Mentions mentions, DateTimeOffset now) => AlertJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("msgtype", "markdown");
        writer.WriteStartObject("markdown");
        writer.WriteString("content", text);
        writer.WriteEndObject();
        writer.WriteEndObject();
    });

    private protected override AnswerVerdict Judge(long errcode, string? errmsg) => errcode switch
    {
        0 => AnswerVerdict.Ok,
        45009 => TooFast($"WeCom errcode 45009 ({errmsg}): over {RobotMessagesPerMinute} messages a minute"),
        _ => AnswerVerdict.Refused($"WeCom errcode {errcode} ({errmsg})"),
    };
}
