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

public sealed class AlertmanagerSinkTests : IAsyncLifetime
{
    // Safety net only: every wait below is for a signal, never for time to pass.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Resend = TimeSpan.FromSeconds(30);

    private readonly TimerWatchingTimeProvider _time = new();
    private readonly ScriptedHandler _handler;
    private readonly HttpClient _http;
    private readonly MonitorMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly ListLogger<AlertmanagerSink> _logger = new();
    private AlertmanagerSink? _sink;

    public AlertmanagerSinkTests()
    {
        _handler = new ScriptedHandler(_time);
        _http = new HttpClient(_handler);
    }

    private long StartMs => _time.Start.ToUnixTimeMilliseconds() - 60_000;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _handler.ReleaseAll();
        if (_sink is not null)
        {
            var dispose = _sink.DisposeAsync().AsTask();
            _time.Advance(TimeSpan.FromMinutes(1)); // past any shutdown timeout
            await dispose.WaitAsync(Patience);
        }

        _http.Dispose();
    }

    private AlertmanagerSink CreateSink(Func<AlertingOptions, AlertingOptions>? configure = null, double jitter = 0.5)
    {
        var options = new AlertingOptions
        {
            AlertmanagerUrl = new Uri("http://am.test:9093/prefix/"),
            GrafanaUrl = new Uri("http://grafana.test:3000/"),
            ResendInterval = Resend,
        };
        _sink = new AlertmanagerSink(configure?.Invoke(options) ?? options, _http, _time, _metrics, _logger, new FixedRandom(jitter));
        return _sink;
    }

    private static JsonElement[] Alerts(RecordedRequest request) =>
        JsonDocument.Parse(request.Text).RootElement.EnumerateArray().ToArray();

    private static JsonElement WithSeverity(JsonElement[] alerts, Severity severity) =>
        Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("severity").GetString() == severity.Label());

    private double Notifications(string outcome) => _metrics.AlertNotifications.WithLabels(AlertmanagerSink.SinkName, outcome).Value;

    [Fact]
    public async Task Fired_IsPostedAtOnce_AsAnApiV2AlertWithLabelsAnnotationsTimesAndGeneratorUrl()
    {
        var sink = CreateSink();
        var fired = Fired("旗舰店", Severity.Warning, StartMs);

        sink.Publish(fired);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://am.test:9093/prefix/api/v2/alerts", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(_time.Start, request.At); // no virtual time passed: sent at once, not on a tick
        Assert.Null(request.Authorization);

        var alert = Assert.Single(Alerts(request));
        Assert.Equal(
            new[] { "labels", "annotations", "startsAt", "endsAt", "generatorURL" },
            alert.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ToDictionary(fired.Labels), Object(alert.GetProperty("labels")));
        Assert.Equal(ToDictionary(fired.Annotations), Object(alert.GetProperty("annotations")));
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(-60)), alert.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(_time.Start + 4 * Resend), alert.GetProperty("endsAt").GetString());
        Assert.Equal("http://grafana.test:3000/d/service-war-room?viewPanel=4", alert.GetProperty("generatorURL").GetString());
        Assert.Contains("\"shop\":\"旗舰店\"", request.Text); // UTF-8 as is, not \u escapes

        Assert.Equal(1, Notifications("sent"));
        Assert.Equal(1, _metrics.AlertDelivery.WithLabels(AlertmanagerSink.SinkName).Count);
    }

    [Fact]
    public async Task GeneratorUrl_IsGrafanaRootWithoutAPanel_AndOmittedWithoutGrafana()
    {
        var sink = CreateSink();
        sink.Publish(Fired("s1", Severity.Warning, StartMs) with { Panel = null });
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        Assert.Equal("http://grafana.test:3000/", Alerts(_handler.Requests[0])[0].GetProperty("generatorURL").GetString());

        Assert.Null(new AlertingOptions().GeneratorUrl(Panel));
    }

    [Fact]
    public async Task Firing_IsResentEveryResendInterval_WithEndsAtFourIntervalsAhead()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink();
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        sink.Publish(Fired("s2", Severity.Critical, StartMs));
        gate.SetResult();
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        for (var round = 1; round <= 2; round++)
        {
            await _time.WaitForTimerAsync(Resend).WaitAsync(Patience);
            var sent = _handler.Requests.Count;
            _time.Advance(Resend - TimeSpan.FromSeconds(1));
            Assert.Equal(sent, _handler.Requests.Count);

            _time.Advance(TimeSpan.FromSeconds(1));
            await _handler.WaitForRequestsAsync(sent + 1).WaitAsync(Patience);
            var resent = Alerts(_handler.Requests[^1]);
            Assert.Equal(2, resent.Length);
            Assert.All(resent, a => Assert.Equal(Rfc3339(_time.Start + round * Resend + 4 * Resend), a.GetProperty("endsAt").GetString()));
            Assert.All(resent, a => Assert.Equal(Rfc3339(_time.Start.AddSeconds(-60)), a.GetProperty("startsAt").GetString()));
        }

        Assert.Equal(2, _metrics.AlertDelivery.WithLabels(AlertmanagerSink.SinkName).Count); // re-sends are not deliveries
        Assert.Equal(6, Notifications("sent"));
    }

    [Fact]
    public async Task Escalation_ResolvesTheOldSeverityLabels_AndFiresTheNewOnes()
    {
        var sink = CreateSink();
        var warning = Fired("s1", Severity.Warning, StartMs);
        sink.Publish(warning);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        _time.Advance(TimeSpan.FromSeconds(5));
        var critical = Moved(warning, Severity.Critical, StartMs + 65_000);
        sink.Publish(critical);
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var alerts = Alerts(_handler.Requests[1]);
        Assert.Equal(2, alerts.Length);
        var old = WithSeverity(alerts, Severity.Warning);
        Assert.Equal(ToDictionary(warning.Labels), Object(old.GetProperty("labels")));
        Assert.Equal(Rfc3339(_time.GetUtcNow()), old.GetProperty("endsAt").GetString());
        var current = WithSeverity(alerts, Severity.Critical);
        Assert.Equal(ToDictionary(critical.Labels), Object(current.GetProperty("labels")));
        Assert.Equal(Rfc3339(_time.GetUtcNow() + 4 * Resend), current.GetProperty("endsAt").GetString());
        Assert.Equal(1, sink.ActiveCount);
    }

    [Fact]
    public async Task Escalation_OfAnInstanceFiredBeforeARestart_StillResolvesItsPreviousLabels()
    {
        var sink = CreateSink();
        sink.Publish(Moved(Fired("s1", Severity.Warning, StartMs), Severity.Major, StartMs + 1));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var alerts = Alerts(_handler.Requests[0]);
        Assert.Equal(Rfc3339(_time.Start), WithSeverity(alerts, Severity.Warning).GetProperty("endsAt").GetString());
        Assert.Equal(Rfc3339(_time.Start + 4 * Resend), WithSeverity(alerts, Severity.Major).GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task Reminder_WithTheSameLabels_UpdatesAnnotationsWithoutResolvingAnything()
    {
        var sink = CreateSink();
        var fired = Fired("s1", Severity.Warning, StartMs, "ChatItemsUnanswered");
        sink.Publish(fired);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        sink.Publish(fired with { Kind = AlertChangeKind.Reminded, Annotations = Annotations("12 chats open for 30 min") });
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var alert = Assert.Single(Alerts(_handler.Requests[1]));
        Assert.Equal("12 chats open for 30 min", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal(Rfc3339(_time.Start + 4 * Resend), alert.GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task Resolved_SendsEndsAtNowOnce_ThenTheInstanceIsNoLongerResent()
    {
        var sink = CreateSink();
        var fired = Fired("s1", Severity.Warning, StartMs);
        sink.Publish(fired);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        _time.Advance(TimeSpan.FromSeconds(12));
        sink.Publish(Resolved(fired, StartMs + 72_000));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var alert = Assert.Single(Alerts(_handler.Requests[1]));
        Assert.Equal(ToDictionary(fired.Labels), Object(alert.GetProperty("labels")));
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(-60)), alert.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(12)), alert.GetProperty("endsAt").GetString());
        Assert.Equal(0, sink.ActiveCount);

        _time.Advance(4 * Resend); // nothing firing: no timer, no re-send
        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task Retry_503Then200_SendsAgainAfterJitteredBackoff_WithWhatArrivedMeanwhile()
    {
        _handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var sink = CreateSink(o => o with { InitialBackoff = TimeSpan.FromMilliseconds(200) }, jitter: 0.5);
        var first = Fired("s1", Severity.Warning, StartMs);
        sink.Publish(first);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await _time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms

        var second = Fired("s2", Severity.Critical, StartMs);
        sink.Publish(second);
        sink.Publish(Resolved(first, StartMs + 1));
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(_handler.Requests);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var alerts = Alerts(_handler.Requests[1]);
        Assert.Equal(2, alerts.Length); // the resolve of s1 and the firing s2: nothing lost
        var s1 = Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("shop").GetString() == "s1");
        Assert.Equal(Rfc3339(_time.Start), s1.GetProperty("endsAt").GetString()); // when the resolve came, not when it got through
        var s2 = Assert.Single(alerts, a => a.GetProperty("labels").GetProperty("shop").GetString() == "s2");
        Assert.Equal(ToDictionary(second.Labels), Object(s2.GetProperty("labels")));

        Assert.Equal(1, Notifications("retried"));
        Assert.Equal(2, Notifications("sent"));
        Assert.Equal(0, Notifications("failed"));
        var warning = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("503", warning.Message);
    }

    [Fact]
    public async Task Retry_BackoffDoublesToTheCap_AndNeverGivesUp()
    {
        for (var i = 0; i < 5; i++)
        {
            _handler.Enqueue(i % 2 == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.TooManyRequests);
        }

        var sink = CreateSink(o => o with { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(300) }, jitter: 1.0);
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        foreach (var delay in new[] { 100, 200, 300, 300, 300 })
        {
            await _time.WaitForTimerAsync(TimeSpan.FromMilliseconds(delay)).WaitAsync(Patience);
            _time.Advance(TimeSpan.FromMilliseconds(delay));
        }

        await _handler.WaitForRequestsAsync(6).WaitAsync(Patience);
        var times = _handler.Requests.Select(r => (r.At - _time.Start).TotalMilliseconds).ToArray();
        Assert.Equal(new double[] { 0, 100, 300, 600, 900, 1200 }, times);
        Assert.Equal(5, Notifications("retried"));
        Assert.Equal(1, Notifications("sent"));
    }

    [Fact]
    public async Task Retry_OnNetworkErrorAndTimeout()
    {
        _handler.Enqueue(_ => throw new HttpRequestException("connection refused"));
        _handler.Enqueue(ScriptedHandler.NeverAnswer);
        var sink = CreateSink(o => o with { RequestTimeout = TimeSpan.FromSeconds(3) }, jitter: 0);

        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(Patience);
        _time.Advance(TimeSpan.FromSeconds(3));
        await _handler.WaitForRequestsAsync(3).WaitAsync(Patience);

        Assert.Equal(2, Notifications("retried"));
        Assert.Contains(_logger.Entries, e => e.Message.Contains("no answer within 00:00:03"));
    }

    [Fact]
    public async Task Recovery_AfterAlertmanagerWasDown_ResendsEveryFiringAlertAtOnce()
    {
        var sink = CreateSink(jitter: 0);
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        _handler.Enqueue(_ => throw new HttpRequestException("connection refused")); // Alertmanager restarting
        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(4).WaitAsync(Patience);

        Assert.Equal(["s2"], Alerts(_handler.Requests[1]).Select(a => a.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(["s2"], Alerts(_handler.Requests[2]).Select(a => a.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(["s1"], Alerts(_handler.Requests[3]).Select(a => a.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(_time.Start, _handler.Requests[3].At); // not on the 30 s re-send
    }

    [Fact]
    public async Task Changes_WaitingWhileAPostIsInFlight_GoTogetherInTheNextPost()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink();
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        foreach (var shop in new[] { "s2", "s3", "s4" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        Assert.Equal(3, Alerts(_handler.Requests[1]).Length);
    }

    [Fact]
    public async Task Reject_400_CountsFailedWithoutRetry_AndLogsNeitherAnnotationsNorTheAnswer()
    {
        _handler.Enqueue(HttpStatusCode.BadRequest, r => r.Content = new StringContent("invalid alert: 客户投诉 order 8812"));
        var sink = CreateSink();
        sink.Publish(Fired("s1", Severity.Warning, StartMs, annotations: Annotations("客户投诉 order 8812")));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        Assert.Single(Alerts(_handler.Requests[1])); // s1 was not retried with it
        Assert.Equal(1, Notifications("failed"));
        Assert.Equal(0, Notifications("retried"));
        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("400", error.Message);
        Assert.All(_logger.Entries, e => Assert.DoesNotContain("8812", e.Message));
    }

    [Fact]
    public async Task ActiveSet_IsCapped_NewInstancesBeyondAreDroppedAndCounted()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxActiveAlerts = 2 });
        foreach (var shop in new[] { "s1", "s2", "s3" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        Assert.Equal(2, sink.ActiveCount);
        Assert.Equal(1, Notifications("dropped"));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("MaxActiveAlerts"));
    }

    [Fact]
    public async Task Auth_BearerTokenOrBasic_IsSent_AndNeverLogged()
    {
        var sink = CreateSink(o => o with { BearerToken = "s3cret-token" });
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        Assert.Equal("Bearer s3cret-token", _handler.Requests[0].Authorization);

        var basic = new AlertmanagerSink(
            new AlertingOptions { AlertmanagerUrl = new Uri("http://am.test"), Username = "monitor", Password = "pa55" }, _http, _time, null, _logger);
        basic.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("monitor:pa55")), _handler.Requests[1].Authorization);
        await basic.DisposeAsync();

        Assert.All(_logger.Entries, e => Assert.DoesNotContain("s3cret", e.Message));
        Assert.All(_logger.Entries, e => Assert.DoesNotContain("pa55", e.Message));
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
        Assert.Throws<ArgumentException>(() => new AlertmanagerSink(new AlertingOptions(), _http, _time));
    }

    [Fact]
    public async Task Dispose_SendsPendingResolvesFirst()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink();
        var fired = Fired("s1", Severity.Warning, StartMs);
        sink.Publish(fired);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        sink.Publish(Resolved(fired, StartMs + 1));

        var dispose = sink.DisposeAsync().AsTask();
        gate.SetResult();
        await dispose.WaitAsync(Patience);

        Assert.Equal(Rfc3339(_time.Start), Assert.Single(Alerts(_handler.Requests[1])).GetProperty("endsAt").GetString());
        Assert.Equal(0, Notifications("failed"));
        sink.Publish(fired);
        Assert.Equal(1, Notifications("dropped"));
    }

    [Fact]
    public async Task Dispose_WhileAlertmanagerIsDown_GivesUpAfterShutdownTimeout_AndCountsFailed()
    {
        for (var i = 0; i < 10; i++)
        {
            _handler.Enqueue(HttpStatusCode.BadGateway);
        }

        var sink = CreateSink(o => o with { ShutdownTimeout = TimeSpan.FromSeconds(2) }, jitter: 0.5);
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var dispose = sink.DisposeAsync().AsTask();
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(2)).WaitAsync(Patience);
        _time.Advance(TimeSpan.FromSeconds(2));
        await dispose.WaitAsync(Patience);

        Assert.Equal(1, Notifications("failed"));
        Assert.Contains(_logger.Entries, e => e.Message.Contains("unsent at shutdown"));
    }
}
