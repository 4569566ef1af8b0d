using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

/// <summary>
/// Issue 14, part 3: the WeCom group robot, against a local scripted receiver that checks what WeCom
/// documents: the markdown payload with its content within 4096 bytes, at most 20 messages a
/// minute, and the <c>errcode</c> answer (45009: too frequent).
/// </summary>
public sealed class WeComSinkTests : AlertSinkTestBase<WeComSink>
{
    private static readonly Uri Robot = new("https://qyapi.weixin.test/cgi-bin/webhook/send?key=wecom-KEY-0042");

    private WeComSink CreateSink()
    {
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200) };
        Sink = new WeComSink(new ReceiverOptions("shop-leads", ReceiverType.WeCom, Robot), options, Http, Time, Metrics, Logger, new FixedRandom(0.5));
        return Sink;
    }

    private static string Content(RecordedRequest request)
    {
        var root = JsonDocument.Parse(request.Text).RootElement;
        Assert.Equal(["msgtype", "markdown"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("markdown", root.GetProperty("msgtype").GetString());
        var content = root.GetProperty("markdown").GetProperty("content").GetString()!;
        Assert.InRange(Encoding.UTF8.GetByteCount(content), 1, 4096); // WeCom's limit
        return content;
    }

    [Fact]
    public async Task Changes_GoAsMarkdownContent_ToTheUrlAsGiven_AndTheKeyNeverReachesTheLog()
    {
        Answer(45009, "api freq out of limit");
        Answer(0);
        Answer(0);
        CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Critical, StartMs, annotations: Annotations("客服首响 p90 6m40s, 店铺 s1")), 1);
        await Time.WaitForTimerAsync(TimeSpan.FromMinutes(1)).WaitAsync(Patience); // 45009: a minute's wait
        Time.Advance(TimeSpan.FromMinutes(1));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        await PublishAndWaitAsync(Fired("s2", Severity.Warning, StartMs), 3);

        Assert.Equal(Robot, Handler.Requests[1].Uri); // no signing: the key is in the URL
        var content = Content(Handler.Requests[1]);
        Assert.StartsWith("### [critical] 1 alert change\n\n", content, StringComparison.Ordinal);
        Assert.Contains("🔴 **critical** fired ChatFirstResponseSlow shop **s1** at ", content, StringComparison.Ordinal);
        Assert.Contains("客服首响 p90 6m40s, 店铺 s1", content, StringComparison.Ordinal);
        Assert.Equal(1, Notifications("retried"));
        Assert.InRange(Notifications("sent"), 1, 2); // s1; s2 once its answer is read
        AssertNeverLogged("wecom-KEY-0042");
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("WeCom errcode 45009", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACriticalAlert_MentionsItsShopsOnCallUserIds_TheWeComMarkdownWay()
    {
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), OnCall = new Dictionary<string, ShopOnCall> { ["s1"] = new(["13800000001"], ["lead-s1"]), ["s2"] = new(["13800000002"], ["lead-s2"]) } };
        Answer(0);
        Sink = new WeComSink(new ReceiverOptions("shop-leads", ReceiverType.WeCom, Robot), options, Http, Time, Metrics, Logger, new FixedRandom(0.5));

        await PublishAndWaitAsync(Fired("s2", Severity.Critical, StartMs), 1);

        var content = Content(Handler.Requests[0]);
        Assert.EndsWith("\n<@lead-s2>\n", content, StringComparison.Ordinal); // markdown takes userids only, no phone numbers
        Assert.DoesNotContain("13800000002", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyChanges_AreSplitIntoMessagesWithin4096Bytes_EachChangeSentOnce_InOrder()
    {
        for (var i = 0; i < 10; i++)
        {
            Answer(0);
        }

        var sink = CreateSink();
        for (var i = 0; i < 40; i++)
        {
            sink.Publish(Fired($"店铺-{i:D2}", Severity.Warning, StartMs, annotations: Annotations(new string('慢', 40))));
        }

        // Each change line is about 200 bytes of UTF-8: 40 of them need at least two messages.
        var shops = new List<string>();
        for (var requests = 1; shops.Count < 40; requests++)
        {
            await Handler.WaitForRequestsAsync(requests).WaitAsync(Patience);
            shops.AddRange(System.Text.RegularExpressions.Regex.Matches(Content(Handler.Requests[requests - 1]), @"shop \*\*(店铺-\d\d)\*\*").Select(m => m.Groups[1].Value));
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"店铺-{i:D2}"), shops);
        Assert.InRange(Handler.Requests.Count, 2, 10);
    }
}
