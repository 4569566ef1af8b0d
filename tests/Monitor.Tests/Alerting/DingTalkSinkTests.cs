using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

/// <summary>
/// Issue 14, part 3 (first receiver): the DingTalk custom robot, against a local scripted receiver
/// that checks what DingTalk documents: the <c>timestamp</c> + <c>sign</c> signature, the markdown
/// payload, at most 20 messages a minute, and the <c>errcode</c> answer.
/// </summary>
public sealed class DingTalkSinkTests : AlertSinkTestBase<DingTalkSink>
{
    private const string Secret = "SEC0123456789abcdef-test-secret";
    private static readonly Uri Robot = new("https://oapi.dingtalk.test/robot/send?access_token=tok-SECRET-42");

    private DingTalkSink CreateSink(string? secret = Secret)
    {
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200) };
        Sink = new DingTalkSink(new ReceiverOptions("oncall-dingtalk", ReceiverType.DingTalk, Robot, secret), options, Http, Time, Metrics, Logger, new FixedRandom(0.5));
        return Sink;
    }

    /// <summary>What DingTalk checks of a signed request: the timestamp within an hour of now and the signature over it.</summary>
    private void AssertSigned(RecordedRequest request)
    {
        var query = System.Web.HttpUtility.ParseQueryString(request.Uri.Query);
        Assert.Equal("tok-SECRET-42", query["access_token"]);
        var timestamp = long.Parse(query["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, Time.GetUtcNow().AddHours(-1).ToUnixTimeMilliseconds(), Time.GetUtcNow().ToUnixTimeMilliseconds());
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{timestamp}\n{Secret}")));
        Assert.Equal(expected, query["sign"]);
    }

    private static (string Title, string Text) Markdown(RecordedRequest request)
    {
        var root = JsonDocument.Parse(request.Text).RootElement;
        Assert.Equal(["msgtype", "markdown", "at"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("markdown", root.GetProperty("msgtype").GetString());
        Assert.False(root.GetProperty("at").GetProperty("isAtAll").GetBoolean());
        var markdown = root.GetProperty("markdown");
        return (markdown.GetProperty("title").GetString()!, markdown.GetProperty("text").GetString()!);
    }

    [Fact]
    public async Task Changes_GoAsOneSignedMarkdownMessage_AndTheTokenAndSecretNeverReachTheLog()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Handler.Enqueue(async cancellationToken =>
        {
            await gate.Task.WaitAsync(cancellationToken);
            return RobotAnswer(0);
        });
        Answer(0);
        var sink = CreateSink();
        await PublishAndWaitAsync(Fired("s0", Severity.Warning, StartMs), 1);

        // Three changes while the first request is out: one message carries them all.
        var fired = Fired("s1", Severity.Critical, StartMs);
        sink.Publish(fired);
        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        sink.Publish(Resolved(fired, StartMs + 30_000));
        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var request = Handler.Requests[1];
        Assert.Equal("application/json", request.ContentType);
        AssertSigned(Handler.Requests[0]);
        AssertSigned(request);
        var (title, text) = Markdown(request);
        Assert.Equal("[critical] 3 alert changes", title);
        Assert.StartsWith("### [critical] 3 alert changes\n\n", text, StringComparison.Ordinal);
        Assert.Contains("🔴 **critical** fired ChatFirstResponseSlow shop **s1**", text, StringComparison.Ordinal);
        Assert.Contains("🔴 **warning** fired ChatFirstResponseSlow shop **s2**", text, StringComparison.Ordinal);
        Assert.Contains("✅ resolved ChatFirstResponseSlow shop **s1**", text, StringComparison.Ordinal);
        Assert.Contains("[runbook](docs/runbook.md#chatfirstresponseslow)", text, StringComparison.Ordinal);

        await AnswersCountedAsync();
        Assert.Equal(4, Notifications("sent")); // s0, then the three changes of one message
        Assert.Equal(0, Notifications("failed"));
        AssertNeverLogged("tok-SECRET-42", Secret);
        Assert.Contains(Logger.Entries, e => e.Message.Contains("https://oapi.dingtalk.test/robot/…", StringComparison.Ordinal));
        Assert.DoesNotContain("tok-SECRET-42", new ReceiverOptions("r", ReceiverType.DingTalk, Robot, Secret).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, new ReceiverOptions("r", ReceiverType.DingTalk, Robot, Secret).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRunbookLink_IsTheRulesLinkResolvedAgainstTheBaseUrl_SoItOpensOnAPhone()
    {
        // Issue 18 item 6 through a chat robot: the shipped rule's docs/runbook.md#… under alerting.runbookBaseUrl.
        var baseUrl = new Uri("https://wiki.example.test/monitor/");
        var (rules, errors) = AlertRulesLoader.Load(Support.RepoFiles.Path("deploy", "monitor", "rules.yaml"), baseUrl);
        Assert.Empty(errors);
        var rule = rules!.Thresholds.Single(r => r.Name == "ChatFirstResponseSlow");
        var annotations = Annotations().Select(a => a.Key == "runbook_url" ? KeyValuePair.Create(a.Key, rule.Text.RunbookUrl!) : a).ToArray();
        Answer(0);
        CreateSink(secret: null);

        await PublishAndWaitAsync(Fired("s1", Severity.Critical, StartMs, annotations: annotations), 1);

        var (_, text) = Markdown(Handler.Requests[0]);
        Assert.Contains("[runbook](https://wiki.example.test/monitor/docs/runbook.md#chatfirstresponseslow)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShopsGroup_GetsOnlyItsAlerts_AndACriticalOneMentionsItsOnCallPeople_InTextAndAt()
    {
        // Issue 14 part 3, routing by shop: shop s1's group robot, s1's lead @-mentioned for s1 only.
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), OnCall = new Dictionary<string, ShopOnCall> { ["s1"] = new(["13800000001"], ["lead-s1"]), ["s2"] = new(["13800000002"], ["lead-s2"]) } };
        var receiver = new ReceiverOptions("s1-group", ReceiverType.DingTalk, Robot) { Shops = ["s1"] };
        Answer(0);
        Answer(0);
        Sink = new DingTalkSink(receiver, options, Http, Time, Metrics, Logger, new FixedRandom(0.5));

        var warning = Fired("s1", Severity.Warning, StartMs, rule: "ChatOldestWaitHigh");
        await PublishAndWaitAsync(warning, 1);
        Sink.Publish(Fired("s2", Severity.Critical, StartMs)); // another shop's: not for this group
        await PublishAndWaitAsync(Fired("s1", Severity.Critical, StartMs), 2);

        var below = JsonDocument.Parse(Handler.Requests[0].Text).RootElement.GetProperty("at");
        Assert.False(below.TryGetProperty("atMobiles", out _)); // a warning mentions no one (mentionFrom: critical)
        var root = JsonDocument.Parse(Handler.Requests[1].Text).RootElement;
        Assert.Equal(["13800000001"], root.GetProperty("at").GetProperty("atMobiles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["lead-s1"], root.GetProperty("at").GetProperty("atUserIds").EnumerateArray().Select(e => e.GetString()));
        var (_, text) = Markdown(Handler.Requests[1]);
        Assert.EndsWith("\n@13800000001 @lead-s1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s2", text, StringComparison.Ordinal);
        Assert.Equal(2, Handler.Requests.Count);
        AssertNeverLogged("13800000001", "lead-s1");
    }

    [Fact]
    public async Task NoMoreThan20MessagesAMinute_TheRestWaitAndGoTogether()
    {
        for (var i = 0; i < 21; i++)
        {
            Answer(0);
        }

        var sink = CreateSink(secret: null);
        for (var i = 0; i < DingTalkSink.RobotMessagesPerMinute; i++)
        {
            await PublishAndWaitAsync(Fired($"s{i}", Severity.Warning, StartMs), i + 1);
        }

        // The 21st message within the minute waits for the oldest send to leave the window.
        for (var i = 0; i < 5; i++)
        {
            sink.Publish(Fired($"late{i}", Severity.Warning, StartMs));
        }

        await Time.WaitForTimerAsync(TimeSpan.FromMinutes(1)).WaitAsync(Patience);
        Assert.Equal(20, Handler.Requests.Count);
        Assert.Null(System.Web.HttpUtility.ParseQueryString(Handler.Requests[0].Uri.Query)["sign"]); // unsigned robot

        Time.Advance(TimeSpan.FromMinutes(1));
        await Handler.WaitForRequestsAsync(21).WaitAsync(Patience);
        var (title, text) = Markdown(Handler.Requests[20]);
        Assert.Equal("[warning] 5 alert changes", title);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Contains($"shop **late{i}**", text, StringComparison.Ordinal));

        // No 60 s window of the receiver's clock saw more than 20 requests.
        var times = Handler.Requests.Select(r => r.At).ToArray();
        Assert.All(times, t => Assert.True(times.Count(u => u >= t && u < t.AddMinutes(1)) <= DingTalkSink.RobotMessagesPerMinute));
    }

    [Fact]
    public async Task TooFast_IsTriedAgainAfterAMinute_AnyOtherErrcodeIsCountedFailed_WithItsCode()
    {
        Answer(130101, "send too fast, exceed 20 times per minute");
        Answer(0);
        Answer(310000, "sign not match");
        Answer(0);
        CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        await Time.WaitForTimerAsync(TimeSpan.FromMinutes(1)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        await PublishAndWaitAsync(Fired("s2", Severity.Warning, StartMs), 3);
        await PublishAndWaitAsync(Fired("s3", Severity.Warning, StartMs), 4);

        Assert.DoesNotContain("shop **s2**", Markdown(Handler.Requests[3]).Text, StringComparison.Ordinal); // refused for good: not sent again
        Assert.Equal(1, Notifications("failed"));
        Assert.Equal(1, Notifications("retried"));
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("DingTalk errcode 310000 (sign not match)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReceiversFilters_PickWhatItsGroupSees_BySeverityAndTeam()
    {
        Answer(0);
        Answer(0);
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200) };
        var receiver = new ReceiverOptions("leads", ReceiverType.DingTalk, Robot) { MinSeverity = Severity.Critical, Teams = ["chat"] };
        Sink = new DingTalkSink(receiver, options, Http, Time, Metrics, Logger, new FixedRandom(0.5));

        var wanted = Fired("s3", Severity.Critical, StartMs);
        Sink.Publish(Fired("s1", Severity.Warning, StartMs));                                      // below the severity
        Sink.Publish(Fired("s2", Severity.Critical, StartMs) with { Labels = Labels("s2", Severity.Critical, team: "logistics") }); // another team
        await PublishAndWaitAsync(wanted, 1);
        await PublishAndWaitAsync(Resolved(wanted, StartMs + 60_000), 2);                          // its resolve follows it

        var first = Markdown(Handler.Requests[0]).Text;
        Assert.Contains("shop **s3**", first, StringComparison.Ordinal);
        Assert.DoesNotContain("shop **s1**", first, StringComparison.Ordinal);
        Assert.DoesNotContain("shop **s2**", first, StringComparison.Ordinal);
        Assert.Contains("✅ resolved ChatFirstResponseSlow shop **s3**", Markdown(Handler.Requests[1]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessage_KeepsWithinTheTextLimit_AndSaysHowManyGoInTheNext()
    {
        var changes = Enumerable.Range(0, 200)
            .Select(i => Fired($"shop-{i}", Severity.Warning, StartMs, annotations: Annotations(new string('长', 60))))
            .ToArray();

        var (_, text, taken) = RobotSink.Message(changes, DingTalkSink.MaxTextLength);

        Assert.InRange(Encoding.UTF8.GetByteCount(text), 1, DingTalkSink.MaxTextLength);
        Assert.InRange(taken, 1, 199);
        Assert.EndsWith($"\n{200 - taken} more in the next message\n", text, StringComparison.Ordinal);

        // One change too long for a message alone is cut, not refused.
        var (_, single, one) = RobotSink.Message([Fired("s1", Severity.Critical, StartMs, annotations: Annotations(new string('x', 10_000)))], DingTalkSink.MaxTextLength);
        Assert.Equal(1, one);
        Assert.InRange(Encoding.UTF8.GetByteCount(single), 1, DingTalkSink.MaxTextLength);
        Assert.EndsWith(" …\n", single, StringComparison.Ordinal);
    }
}
