using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

public sealed class AlertmanagerSinkTests : AlertSinkTestBase<AlertmanagerSink>
{
    private static readonly TimeSpan Resend = TimeSpan.FromSeconds(30);

    private AlertmanagerSink CreateSink(Func<AlertingOptions, AlertingOptions>? configure = null, double jitter = 0.5)
    {
        var options = new AlertingOptions
        {
            AlertmanagerUrl = new Uri("http://am.test:9093/prefix/"),
            GrafanaUrl = new Uri("http://grafana.test:3000/"),
            ResendInterval = Resend,
        };
        Sink = new AlertmanagerSink(configure?.Invoke(options) ?? options, Http, Time, Metrics, Logger, new FixedRandom(jitter));
        return Sink;
    }

    /// <summary>Fires an alert of shop s1 and waits until it was sent.</summary>
    private async Task<AlertChange> FireAsync(Severity severity = Severity.Warning, string rule = "ChatFirstResponseSlow")
    {
        var fired = Fired("s1", severity, StartMs, rule);
        await PublishAndWaitAsync(fired, 1);
        return fired;
    }

    private static JsonElement WithSeverity(JsonElement[] alerts, Severity severity) =>
        Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("severity").GetString() == severity.Label());

    [Fact]
    public async Task Fired_IsPostedAtOnce_AsAnApiV2AlertWithLabelsAnnotationsTimesAndGeneratorUrl()
    {
        CreateSink();
        var fired = Fired("旗舰店", Severity.Warning, StartMs);

        await PublishAndWaitAsync(fired, 1);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://am.test:9093/prefix/api/v2/alerts", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(Time.Start, request.At); // no virtual time passed: sent at once, not on a tick
        Assert.Null(request.Authorization);

        var alert = Assert.Single(Items(request));
        Assert.Equal(
            new[] { "labels", "annotations", "startsAt", "endsAt", "generatorURL" },
            alert.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ToDictionary(fired.Labels), Object(alert.GetProperty("labels")));
        Assert.Equal(ToDictionary(fired.Annotations), Object(alert.GetProperty("annotations")));
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(-60)), alert.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(Time.Start + 4 * Resend), alert.GetProperty("endsAt").GetString());
        Assert.Equal("http://grafana.test:3000/d/service-war-room?viewPanel=4", alert.GetProperty("generatorURL").GetString());
        Assert.Contains("\"shop\":\"旗舰店\"", request.Text); // UTF-8 as is, not \u escapes

        await AnswersCountedAsync();
        Assert.Equal(1, Notifications("sent"));
        Assert.Equal(1, Metrics.AlertDelivery.WithLabels(AlertmanagerSink.SinkName).Count);
    }

    [Fact]
    public async Task GeneratorUrl_IsGrafanaRootWithoutAPanel_AndOmittedWithoutGrafana()
    {
        CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs) with { Panel = null }, 1);
        Assert.Equal("http://grafana.test:3000/", Items(Handler.Requests[0])[0].GetProperty("generatorURL").GetString());

        Assert.Null(new AlertingOptions().GeneratorUrl(Panel));
    }

    [Fact]
    public async Task Firing_IsResentEveryResendInterval_WithEndsAtFourIntervalsAhead()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        sink.Publish(Fired("s2", Severity.Critical, StartMs));
        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        for (var round = 1; round <= 2; round++)
        {
            await Time.WaitForTimerAsync(Resend).WaitAsync(Patience);
            var sent = Handler.Requests.Count;
            Time.Advance(Resend - TimeSpan.FromSeconds(1));
            Assert.Equal(sent, Handler.Requests.Count);

            Time.Advance(TimeSpan.FromSeconds(1));
            await Handler.WaitForRequestsAsync(sent + 1).WaitAsync(Patience);
            var resent = Items(Handler.Requests[^1]);
            Assert.Equal(2, resent.Length);
            Assert.All(resent, a => Assert.Equal(Rfc3339(Time.Start + round * Resend + 4 * Resend), a.GetProperty("endsAt").GetString()));
            Assert.All(resent, a => Assert.Equal(Rfc3339(Time.Start.AddSeconds(-60)), a.GetProperty("startsAt").GetString()));
        }

        await AnswersCountedAsync();
        Assert.Equal(2, Metrics.AlertDelivery.WithLabels(AlertmanagerSink.SinkName).Count); // re-sends are not deliveries
        Assert.Equal(6, Notifications("sent"));
    }

    [Fact]
    public async Task Escalation_ResolvesTheOldSeverityLabels_AndFiresTheNewOnes()
    {
        var sink = CreateSink();
        var warning = await FireAsync();

        Time.Advance(TimeSpan.FromSeconds(5));
        var critical = Moved(warning, Severity.Critical, StartMs + 65_000);
        await PublishAndWaitAsync(critical, 2);

        var alerts = Items(Handler.Requests[1]);
        Assert.Equal(2, alerts.Length);
        var old = WithSeverity(alerts, Severity.Warning);
        Assert.Equal(ToDictionary(warning.Labels), Object(old.GetProperty("labels")));
        Assert.Equal(Rfc3339(Time.GetUtcNow()), old.GetProperty("endsAt").GetString());
        var current = WithSeverity(alerts, Severity.Critical);
        Assert.Equal(ToDictionary(critical.Labels), Object(current.GetProperty("labels")));
        Assert.Equal(Rfc3339(Time.GetUtcNow() + 4 * Resend), current.GetProperty("endsAt").GetString());
        Assert.Equal(1, sink.ActiveCount);
    }

    [Fact]
    public async Task Escalation_OfAnInstanceFiredBeforeARestart_StillResolvesItsPreviousLabels()
    {
        CreateSink();
        await PublishAndWaitAsync(Moved(Fired("s1", Severity.Warning, StartMs), Severity.Major, StartMs + 1), 1);

        var alerts = Items(Handler.Requests[0]);
        Assert.Equal(Rfc3339(Time.Start), WithSeverity(alerts, Severity.Warning).GetProperty("endsAt").GetString());
        Assert.Equal(Rfc3339(Time.Start + 4 * Resend), WithSeverity(alerts, Severity.Major).GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task Reminder_WithTheSameLabels_UpdatesAnnotationsWithoutResolvingAnything()
    {
        CreateSink();
        var fired = await FireAsync(rule: "ChatItemsUnanswered");

        await PublishAndWaitAsync(fired with { Kind = AlertChangeKind.Reminded, Annotations = Annotations("12 chats open for 30 min") }, 2);

        var alert = Assert.Single(Items(Handler.Requests[1]));
        Assert.Equal("12 chats open for 30 min", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal(Rfc3339(Time.Start + 4 * Resend), alert.GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task Resolved_SendsEndsAtNowOnce_ThenTheInstanceIsNoLongerResent()
    {
        var sink = CreateSink();
        var fired = await FireAsync();

        Time.Advance(TimeSpan.FromSeconds(12));
        await PublishAndWaitAsync(Resolved(fired, StartMs + 72_000), 2);

        var alert = Assert.Single(Items(Handler.Requests[1]));
        Assert.Equal(ToDictionary(fired.Labels), Object(alert.GetProperty("labels")));
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(-60)), alert.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(Time.Start.AddSeconds(12)), alert.GetProperty("endsAt").GetString());
        Assert.Equal(0, sink.ActiveCount);

        Time.Advance(4 * Resend); // nothing firing: no timer, no re-send
        Assert.Equal(2, Handler.Requests.Count);
    }

    [Fact]
    public async Task HandedOver_StopsTheResends_WithoutResolvingAnything()
    {
        var sink = CreateSink();
        var fired = await FireAsync();

        sink.Publish(fired with { Kind = AlertChangeKind.HandedOver });
        Assert.Equal(0, sink.ActiveCount);

        // The new owner sends these labels now: this instance neither resolves nor re-sends them.
        Time.Advance(4 * Resend);
        Assert.Single(Handler.Requests);
    }

    [Fact]
    public async Task Resolved_WithAnEventTimeAheadOfTheClock_NeverSendsStartsAtAfterEndsAt()
    {
        CreateSink();
        var ahead = Fired("s1", Severity.Warning, Time.Start.ToUnixTimeMilliseconds() + 90_000); // producer clock 90 s fast
        await PublishAndWaitAsync(ahead, 1);
        await PublishAndWaitAsync(Resolved(ahead, ahead.StartsAtMs + 1000), 2);

        var alert = Assert.Single(Items(Handler.Requests[1]));
        Assert.Equal(Rfc3339(Time.Start), alert.GetProperty("endsAt").GetString());
        Assert.Equal(Rfc3339(Time.Start), alert.GetProperty("startsAt").GetString());
    }

    [Fact]
    public async Task Retry_503Then200_SendsAgainAfterJitteredBackoff_WithWhatArrivedMeanwhile()
    {
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var sink = CreateSink(o => o with { InitialBackoff = TimeSpan.FromMilliseconds(200) }, jitter: 0.5);
        var first = await FireAsync();
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms

        var second = Fired("s2", Severity.Critical, StartMs);
        sink.Publish(second);
        sink.Publish(Resolved(first, StartMs + 1));
        Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var alerts = Items(Handler.Requests[1]);
        Assert.Equal(2, alerts.Length); // the resolve of s1 and the firing s2: nothing lost
        var s1 = Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("shop").GetString() == "s1");
        Assert.Equal(Rfc3339(Time.Start), s1.GetProperty("endsAt").GetString()); // when the resolve came, not when it got through
        var s2 = Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("shop").GetString() == "s2");
        Assert.Equal(ToDictionary(second.Labels), Object(s2.GetProperty("labels")));

        await AnswersCountedAsync();
        Assert.Equal(1, Notifications("retried"));
        Assert.Equal(2, Notifications("sent"));
        Assert.Equal(0, Notifications("failed"));
        var warning = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("503", warning.Message);
    }

    [Fact]
    public async Task Retry_BackoffDoublesToTheCap_AndNeverGivesUp()
    {
        for (var i = 0; i < 5; i++)
        {
            Handler.Enqueue(i % 2 == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.TooManyRequests);
        }

        var sink = CreateSink(o => o with { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(300) }, jitter: 1.0);
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        foreach (var delay in new[] { 100, 200, 300, 300, 300 })
        {
            await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(delay)).WaitAsync(Patience);
            Time.Advance(TimeSpan.FromMilliseconds(delay));
        }

        await Handler.WaitForRequestsAsync(6).WaitAsync(Patience);
        var times = Handler.Requests.Select(r => (r.At - Time.Start).TotalMilliseconds).ToArray();
        Assert.Equal(new double[] { 0, 100, 300, 600, 900, 1200 }, times);
        await AnswersCountedAsync();
        Assert.Equal(5, Notifications("retried"));
        Assert.Equal(1, Notifications("sent"));
    }

    [Fact]
    public async Task Retry_OnNetworkErrorAndTimeout()
    {
        Handler.Enqueue(_ => throw new HttpRequestException("connection refused"));
        Handler.Enqueue(ScriptedHandler.NeverAnswer);
        CreateSink(o => o with { RequestTimeout = TimeSpan.FromSeconds(3) }, jitter: 0);

        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 2);
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(3));
        await Handler.WaitForRequestsAsync(3).WaitAsync(Patience);

        Assert.Equal(2, Notifications("retried"));
        Assert.Contains(Logger.Entries, e => e.Message.Contains("no answer within 00:00:03"));
    }

    [Fact]
    public async Task Recovery_AfterAlertmanagerWasDown_ResendsEveryFiringAlertAtOnce()
    {
        CreateSink(jitter: 0);
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);

        Handler.Enqueue(_ => throw new HttpRequestException("connection refused")); // Alertmanager restarting
        await PublishAndWaitAsync(Fired("s2", Severity.Warning, StartMs), 4);

        Assert.Equal(["s2"], Shops(Handler.Requests[1]));
        Assert.Equal(["s2"], Shops(Handler.Requests[2]));
        Assert.Equal(["s1"], Shops(Handler.Requests[3]));
        Assert.Equal(Time.Start, Handler.Requests[3].At); // not on the 30 s re-send
    }

    [Fact]
    public async Task Changes_WaitingWhileAPostIsInFlight_GoTogetherInTheNextPost()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);

        foreach (var shop in new[] { "s2", "s3", "s4" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        Assert.Equal(3, Items(Handler.Requests[1]).Length);
    }

    [Fact]
    public async Task Reject_400_CountsFailedWithoutRetry_AndLogsNeitherAnnotationsNorTheAnswer()
    {
        Handler.Enqueue(HttpStatusCode.BadRequest, r => r.Content = new StringContent("invalid alert: 客户投诉 order 8812"));
        CreateSink();
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs, annotations: Annotations("客户投诉 order 8812")), 1);
        await PublishAndWaitAsync(Fired("s2", Severity.Warning, StartMs), 2);

        Assert.Single(Items(Handler.Requests[1])); // s1 was not retried with it
        Assert.Equal(1, Notifications("failed"));
        Assert.Equal(0, Notifications("retried"));
        var error = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("400", error.Message);
        Assert.All(Logger.Entries, e => Assert.DoesNotContain("8812", e.Message));
    }

    [Fact]
    public async Task Accepted_GetsTheLabelsOfEachAcceptedPost_NotOfAFailedAttempt()
    {
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var sink = CreateSink(jitter: 0);
        var accepted = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        sink.Accepted = alerts => accepted.TrySetResult(alerts.Select(labels => labels.Single(l => l.Key == "shop").Value).ToArray());

        sink.Publish(Fired("s1", Severity.Warning, StartMs));

        Assert.Equal(["s1"], await accepted.Task.WaitAsync(Patience));
        Assert.Equal(2, Handler.Requests.Count); // called after the 200, not after the 503
    }

    [Fact]
    public async Task Accepted_ThatThrows_IsLogged_AndDeliveryGoesOn()
    {
        var sink = CreateSink();
        sink.Accepted = _ => throw new InvalidOperationException("hook failed");

        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        await PublishAndWaitAsync(Fired("s2", Severity.Warning, StartMs), 2);

        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Accepted hook"));
    }

    [Fact]
    public async Task ActiveSet_IsCapped_NewInstancesBeyondAreDroppedAndCounted()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxActiveAlerts = 2 });
        foreach (var shop in new[] { "s1", "s2", "s3" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        Assert.Equal(2, sink.ActiveCount);
        Assert.Equal(1, Notifications("dropped"));
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("MaxActiveAlerts"));
    }

    [Fact]
    public async Task OneShopsFlood_IsCappedPerShop_AndOtherShopsStillFire()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxActiveAlerts = 100, MaxActiveAlertsPerShop = 3 });
        for (var i = 0; i < 10; i++)
        {
            sink.Publish(Fired("flooding-shop", Severity.Warning, StartMs, rule: $"Rule{i}"));
        }

        sink.Publish(Fired("quiet-shop", Severity.Critical, StartMs));
        gate.SetResult();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        Assert.Equal(4, sink.ActiveCount);
        Assert.Equal(7, Notifications("dropped"));
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("MaxActiveAlertsPerShop"));

        // A resolve frees its shop's place.
        sink.Publish(Resolved(Fired("flooding-shop", Severity.Warning, StartMs, rule: "Rule0"), StartMs + 60_000));
        sink.Publish(Fired("flooding-shop", Severity.Warning, StartMs, rule: "Rule9"));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        Assert.Equal(4, sink.ActiveCount);
        Assert.Equal(7, Notifications("dropped"));
    }

    [Fact]
    public async Task Auth_BearerTokenOrBasic_IsSent_AndNeverLogged()
    {
        CreateSink(o => o with { BearerToken = "s3cret-token" });
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);
        Assert.Equal("Bearer s3cret-token", Handler.Requests[0].Authorization);

        var basic = new AlertmanagerSink(
            new AlertingOptions { AlertmanagerUrl = new Uri("http://am.test"), Username = "monitor", Password = "pa55" }, Http, Time, null, Logger);
        basic.Publish(Fired("s1", Severity.Warning, StartMs));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("monitor:pa55")), Handler.Requests[1].Authorization);
        await basic.DisposeAsync();

        Assert.All(Logger.Entries, e => Assert.DoesNotContain("s3cret", e.Message));
        Assert.All(Logger.Entries, e => Assert.DoesNotContain("pa55", e.Message));
    }

    [Fact]
    public void Options_AreValidated_AndToStringRedactsSecrets()
    {
        var options = new AlertingOptions
        {
            AlertmanagerUrl = new Uri("http://am.test"),
            WebhookUrls = [new Uri("https://hooks.test/alerts?key=abc123")],
            Username = "u",
            Password = "pa55",
        };
        var text = options.ToString();
        Assert.DoesNotContain("pa55", text);
        Assert.DoesNotContain("abc123", text);
        Assert.Contains("Password = ***", text);

        Assert.Throws<ArgumentException>(() => (options with { BearerToken = "t" }).Validate());
        Assert.Throws<ArgumentException>(() => new AlertingOptions { ResendInterval = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new AlertingOptions { AlertmanagerUrl = new Uri("ftp://am.test") }.Validate());
        Assert.Throws<ArgumentException>(() => new AlertmanagerSink(new AlertingOptions(), Http, Time));
    }

    [Fact]
    public async Task Dispose_SendsPendingResolvesFirst()
    {
        var gate = Handler.EnqueueBlocked();
        var sink = CreateSink();
        var fired = await FireAsync();
        sink.Publish(Resolved(fired, StartMs + 1));

        var dispose = sink.DisposeAsync().AsTask();
        gate.SetResult();
        await dispose.WaitAsync(Patience);

        Assert.Equal(Rfc3339(Time.Start), Assert.Single(Items(Handler.Requests[1])).GetProperty("endsAt").GetString());
        Assert.Equal(0, Notifications("failed"));
        sink.Publish(fired);
        Assert.Equal(1, Notifications("dropped"));
    }

    [Fact]
    public async Task Dispose_WhileAlertmanagerIsDown_GivesUpAfterShutdownTimeout_AndCountsFailed()
    {
        for (var i = 0; i < 10; i++)
        {
            Handler.Enqueue(HttpStatusCode.BadGateway);
        }

        var sink = CreateSink(o => o with { ShutdownTimeout = TimeSpan.FromSeconds(2) }, jitter: 0.5);
        await PublishAndWaitAsync(Fired("s1", Severity.Warning, StartMs), 1);

        var dispose = sink.DisposeAsync().AsTask();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(2)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(2));
        await dispose.WaitAsync(Patience);

        Assert.Equal(1, Notifications("failed"));
        Assert.Contains(Logger.Entries, e => e.Message.Contains("unsent at shutdown"));
    }
}
