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
/// Issue 14, part 3: the Feishu custom bot, against a local scripted receiver that checks what Feishu
/// documents: the signature in the body (timestamp in seconds, within an hour; HMAC-SHA256 keyed
/// with timestamp + "\n" + secret over an empty message), the interactive card, at most 5 messages a
/// second, and the <c>code</c> answer.
/// </summary>
public sealed class FeishuSinkTests : AlertSinkTestBase<FeishuSink>
{
    private const string Secret = "feishu-test-secret-7Q";
    private static readonly Uri Bot = new("https://open.feishu.test/open-apis/bot/v2/hook/hook-SECRET-9f1c");

    private FeishuSink CreateSink()
    {
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200) };
        Sink = new FeishuSink(new ReceiverOptions("war-room-feishu", ReceiverType.Feishu, Bot, Secret), options, Http, Time, Metrics, Logger, new FixedRandom(0.5));
        return Sink;
    }

    private static HttpResponseMessage FeishuAnswer(int code, string msg) => new(HttpStatusCode.OK)
    {
        Content = new StringContent($$$"""{"code":{{{code}}},"msg":"{{{msg}}}","data":{}}""", Encoding.UTF8, "application/json"),
    };

    /// <summary>What Feishu checks of a signed body, and the card's text.</summary>
    private string SignedCard(RecordedRequest request)
    {
        Assert.Equal(Bot, request.Uri);
        var root = JsonDocument.Parse(request.Text).RootElement;
        Assert.Equal(["timestamp", "sign", "msg_type", "card"], root.EnumerateObject().Select(p => p.Name));
        var timestamp = long.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, Time.GetUtcNow().AddHours(-1).ToUnixTimeSeconds(), Time.GetUtcNow().ToUnixTimeSeconds());
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes($"{timestamp}\n{Secret}"), Array.Empty<byte>()));
        Assert.Equal(expected, root.GetProperty("sign").GetString());
        Assert.Equal("interactive", root.GetProperty("msg_type").GetString());
        var card = root.GetProperty("card");
        Assert.Equal("plain_text", card.GetProperty("header").GetProperty("title").GetProperty("tag").GetString());
        var element = Assert.Single(card.GetProperty("elements").EnumerateArray());
        Assert.Equal("markdown", element.GetProperty("tag").GetString());
        return element.GetProperty("content").GetString()!;
    }

    [Fact]
    public async Task ACriticalAlert_MentionsItsShopsOnCallOpenIds_InTheCardsMarkdown()
    {
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), OnCall = new Dictionary<string, ShopOnCall> { ["s1"] = new(["13800000001"], ["lead-s1"]), ["s2"] = new(["13800000002"], ["lead-s2"]) } };
        Handler.Enqueue(_ => Task.FromResult(FeishuAnswer(0, "success")));
        Sink = new FeishuSink(new ReceiverOptions("war-room-feishu", ReceiverType.Feishu, Bot, Secret), options, Http, Time, Metrics, Logger, new FixedRandom(0.5));

        Sink.Publish(Fired("s1", Severity.Critical, StartMs));
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var content = SignedCard(Handler.Requests[0]);
        Assert.EndsWith("\n<at id=lead-s1></at>\n", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_GoAsASignedCard_NoFasterThanFiveASecond_AndARefusalIsCountedWithItsCode()
    {
        Handler.Enqueue(_ => Task.FromResult(FeishuAnswer(0, "success")));
        Handler.Enqueue(_ => Task.FromResult(FeishuAnswer(19021, "sign match fail or timestamp is not within one hour from current time")));
        Handler.Enqueue(_ => Task.FromResult(FeishuAnswer(0, "success")));
        var sink = CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Critical, StartMs), 1);

        // The next message waits 200 ms after the first (5 a second), whatever is waiting.
        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        Assert.Single(Handler.Requests);
        Time.Advance(TimeSpan.FromMilliseconds(200));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var first = SignedCard(Handler.Requests[0]);
        Assert.Contains("🔴 **critical** fired ChatFirstResponseSlow shop **s1**", first, StringComparison.Ordinal);
        Assert.Contains("shop **s2**", SignedCard(Handler.Requests[1]), StringComparison.Ordinal);
        Assert.Equal("red", JsonDocument.Parse(Handler.Requests[0].Text).RootElement.GetProperty("card").GetProperty("header").GetProperty("template").GetString());

        Time.Advance(TimeSpan.FromMilliseconds(200));
        await PublishAndWaitAsync(Fired("s3", Severity.Warning, StartMs), 3); // the loop has read the refusal
        Assert.DoesNotContain("shop **s2**", SignedCard(Handler.Requests[2]), StringComparison.Ordinal);
        Assert.Equal(1, Notifications("failed"));
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Feishu code 19021", StringComparison.Ordinal));
        AssertNeverLogged("hook-SECRET-9f1c", Secret);
    }
}
