using Microsoft.Extensions.Logging;
using System.Net;
using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

public sealed class WebhookSinkTests : AlertSinkTestBase<WebhookSink>
{
    private WebhookSink CreateSink(Func<AlertingOptions, AlertingOptions>? configure = null)
    {
        var options = new AlertingOptions { GrafanaUrl = new Uri("http://grafana.test"), BearerToken = "am-only", InitialBackoff = TimeSpan.FromMilliseconds(200) };
        Sink = new WebhookSink(
            new Uri("https://hooks.test/alerts?key=abc123"), configure?.Invoke(options) ?? options, Http, Time, Metrics, Logger, "chat-bot", new FixedRandom(0.5));
        return Sink;
    }

    [Fact]
    public async Task Changes_ArePostedAsAJsonArray_WithKindStatusSeverityLabelsAnnotationsValuesAndTimes()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink();
        var fired = Fired("s1", Severity.Warning, StartMs);
        await PublishAndWaitAsync(fired, 1);
        var escalated = Moved(fired, Severity.Critical, StartMs + 30_000);
        sink.Publish(escalated);
        sink.Publish(Resolved(escalated, StartMs + 90_000));
        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var request = Handler.Requests[1];
        Assert.Equal("https://hooks.test/alerts?key=abc123", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType);
        Assert.Null(request.Authorization); // the Alertmanager token stays with Alertmanager

        var entries = Items(request);
        Assert.Equal(2, entries.Length);
        var up = entries[0];
        Assert.Equal(
            new[] { "kind", "status", "rule", "severity", "previousSeverity", "labels", "annotations", "value", "threshold", "startsAt", "at", "generatorURL" },
            up.EnumerateObject().Select(p => p.Name));
        Assert.Equal("escalated", up.GetProperty("kind").GetString());
        Assert.Equal("firing", up.GetProperty("status").GetString());
        Assert.Equal("ChatFirstResponseSlow", up.GetProperty("rule").GetString());
        Assert.Equal("critical", up.GetProperty("severity").GetString());
        Assert.Equal("warning", up.GetProperty("previousSeverity").GetString());
        Assert.Equal(ToDictionary(escalated.Labels), Object(up.GetProperty("labels")));
        Assert.Equal(ToDictionary(escalated.Annotations), Object(up.GetProperty("annotations")));
        Assert.Equal(400, up.GetProperty("value").GetDouble());
        Assert.Equal(300, up.GetProperty("threshold").GetDouble());
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(-60)), up.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(-30)), up.GetProperty("at").GetString());
        Assert.Equal("http://grafana.test/d/service-war-room?viewPanel=4", up.GetProperty("generatorURL").GetString());

        var down = entries[1];
        Assert.Equal("resolved", down.GetProperty("kind").GetString());
        Assert.Equal("resolved", down.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, down.GetProperty("previousSeverity").ValueKind);
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(30)), down.GetProperty("at").GetString());

        await AnswersCountedAsync();
        Assert.Equal(3, Notifications("sent"));
        Assert.Equal(3, Metrics.AlertDelivery.WithLabels("chat-bot").Count);
        Assert.All(Logger.Entries, e => Assert.DoesNotContain("abc123", e.Message));
    }

    [Fact]
    public async Task AKeyInThePathOrTheQuery_NeverReachesTheLog_EvenWhenDeliveryFails()
    {
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var options = new AlertingOptions { InitialBackoff = TimeSpan.FromMilliseconds(200) };
        var url = new Uri("https://open.feishu.test/open-apis/bot/v2/hook/9f1c-path-KEY-77?sign=query-KEY-88");
        Sink = new WebhookSink(url, options, Http, Time, Metrics, Logger, "feishu", new FixedRandom(0.5));
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience);

        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("https://open.feishu.test/open-apis/…", StringComparison.Ordinal));
        Assert.All(Logger.Entries, e => Assert.DoesNotContain("KEY", e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain("KEY", new AlertingOptions { WebhookUrls = [url] }.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.slack.test/services/T000/B000/XXXX", "https://hooks.slack.test/services/…")]
    [InlineData("https://oapi.dingtalk.test/robot/send?access_token=abc", "https://oapi.dingtalk.test/robot/…")]
    [InlineData("https://qyapi.weixin.test/cgi-bin/webhook/send?key=abc", "https://qyapi.weixin.test/cgi-bin/…")]
    [InlineData("http://bridge:8080/alertmanager", "http://bridge:8080/alertmanager")]
    [InlineData("http://user:pw@bridge:8080/", "http://bridge:8080/")]
    public void Redact_KeepsHostAndFirstSegment_AndHidesTheRest(string url, string shown) =>
        Assert.Equal(shown, AlertingOptions.Redact(new Uri(url)));

    [Fact]
    public async Task Retry_503ThenOk_SendsTheSameChangesInOrder_WithWhatArrivedMeanwhile()
    {
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var sink = CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms

        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        Time.Advance(TimeSpan.FromMilliseconds(100));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        Assert.Equal(["s1", "s2"], Shops(Handler.Requests[1]));
        await AnswersCountedAsync();
        Assert.Equal(1, Notifications("retried"));
        Assert.Equal(2, Notifications("sent"));
    }

    [Fact]
    public async Task Answer408_IsRetried_AsByEveryHttpClientOfTheMonitor()
    {
        // Before the shared retry pipeline, the InfluxDB writer retried a 408 and the alert sinks dropped the notifications.
        Handler.Enqueue(HttpStatusCode.RequestTimeout);
        CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms
        Time.Advance(TimeSpan.FromMilliseconds(100));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        Assert.Equal(["s1"], Shops(Handler.Requests[1]));
        await AnswersCountedAsync();
        Assert.Equal(1, Notifications("retried"));
        Assert.Equal(1, Notifications("sent"));
        Assert.Equal(0, Notifications("failed"));
    }

    [Fact]
    public async Task Queue_IsBounded_TheOldestChangesAreDroppedAndCounted()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxPendingNotifications = 2 });
        await PublishAndWaitAsync(Fired("s0", Severity.Warning, StartMs), 1);
        foreach (var shop in new[] { "s1", "s2", "s3" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        // s0 was in flight and is never dropped; of s1, s2, s3 waiting behind it, s1 made room for s3.
        Assert.Equal(["s0"], Shops(Handler.Requests[0]));
        Assert.Equal(["s2", "s3"], Shops(Handler.Requests[1]));
        await AnswersCountedAsync();
        Assert.Equal(1, Notifications("dropped"));
        Assert.Equal(3, Notifications("sent"));
    }

    [Fact]
    public async Task Notifications_AreCountedUnderTheirAlertsSeverity()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxPendingNotifications = 2 });
        await PublishAndWaitAsync(Fired("s0", Severity.Critical, StartMs), 1);
        sink.Publish(Fired("s1", Severity.Warning, StartMs)); // the oldest waiting: dropped for s3
        sink.Publish(Fired("s2", Severity.Critical, StartMs));
        sink.Publish(Fired("s3", Severity.Info, StartMs));

        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        await AnswersCountedAsync();

        double Count(string outcome, string severity) => Metrics.AlertNotifications.WithLabels(sink.Name, outcome, severity).Value;
        Assert.Equal(2, Count("sent", "critical"));
        Assert.Equal(1, Count("sent", "info"));
        Assert.Equal(0, Count("sent", "warning"));
        Assert.Equal(1, Count("dropped", "warning"));
        Assert.Equal(0, Count("dropped", "critical"));
    }

    [Fact]
    public async Task NotificationsUnsentAtShutdown_FailUnderTheirAlertsSeverity()
    {
        for (var i = 0; i < 10; i++)
        {
            Handler.Enqueue(HttpStatusCode.BadGateway); // every attempt fails until the shutdown timeout
        }

        var sink = CreateSink(o => o with { ShutdownTimeout = TimeSpan.FromSeconds(5) });
        await PublishAndWaitAsync(Fired("s0", Severity.Critical, StartMs), 1);
        sink.Publish(Fired("s1", Severity.Warning, StartMs));

        var disposing = sink.DisposeAsync().AsTask();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(5)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(5));
        await disposing.WaitAsync(Patience);
        Sink = null;

        Assert.Equal(1, Metrics.AlertNotifications.WithLabels(sink.Name, "failed", "critical").Value);
        Assert.Equal(1, Metrics.AlertNotifications.WithLabels(sink.Name, "failed", "warning").Value);
    }
}
