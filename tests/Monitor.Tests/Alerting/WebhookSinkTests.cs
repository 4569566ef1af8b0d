using System.Net;
using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Tests.Influx;
using static Monitor.Tests.Alerting.AlertChanges;

namespace Monitor.Tests.Alerting;

public sealed class WebhookSinkTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TimerWatchingTimeProvider _time = new();
    private readonly ScriptedHandler _handler;
    private readonly HttpClient _http;
    private readonly MonitorMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly ListLogger<WebhookSink> _logger = new();
    private WebhookSink? _sink;

    public WebhookSinkTests()
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
            _time.Advance(TimeSpan.FromMinutes(1));
            await dispose.WaitAsync(Patience);
        }

        _http.Dispose();
    }

    private WebhookSink CreateSink(Func<AlertingOptions, AlertingOptions>? configure = null)
    {
        var options = new AlertingOptions { GrafanaUrl = new Uri("http://grafana.test"), BearerToken = "am-only", InitialBackoff = TimeSpan.FromMilliseconds(200) };
        _sink = new WebhookSink(
            new Uri("https://hooks.test/alerts?key=abc123"), configure?.Invoke(options) ?? options, _http, _time, _metrics, _logger, "chat-bot", new FixedRandom(0.5));
        return _sink;
    }

    private static JsonElement[] Entries(RecordedRequest request) =>
        JsonDocument.Parse(request.Text).RootElement.EnumerateArray().ToArray();

    private double Notifications(string outcome) => _metrics.AlertNotifications.WithLabels("chat-bot", outcome).Value;

    [Fact]
    public async Task Changes_ArePostedAsAJsonArray_WithKindStatusSeverityLabelsAnnotationsValuesAndTimes()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink();
        var fired = Fired("s1", Severity.Warning, StartMs);
        sink.Publish(fired);
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        var escalated = Moved(fired, Severity.Critical, StartMs + 30_000);
        sink.Publish(escalated);
        sink.Publish(Resolved(escalated, StartMs + 90_000));
        gate.SetResult();
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var request = _handler.Requests[1];
        Assert.Equal("https://hooks.test/alerts?key=abc123", request.Uri.ToString());
        Assert.Equal("application/json", request.ContentType);
        Assert.Null(request.Authorization); // the Alertmanager token stays with Alertmanager

        var entries = Entries(request);
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
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(-60)), up.GetProperty("startsAt").GetString());
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(-30)), up.GetProperty("at").GetString());
        Assert.Equal("http://grafana.test/d/service-war-room?viewPanel=4", up.GetProperty("generatorURL").GetString());

        var down = entries[1];
        Assert.Equal("resolved", down.GetProperty("kind").GetString());
        Assert.Equal("resolved", down.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, down.GetProperty("previousSeverity").ValueKind);
        Assert.Equal(Rfc3339(_time.Start.AddSeconds(30)), down.GetProperty("at").GetString());

        Assert.Equal(3, Notifications("sent"));
        Assert.Equal(3, _metrics.AlertDelivery.WithLabels("chat-bot").Count);
        Assert.All(_logger.Entries, e => Assert.DoesNotContain("abc123", e.Message));
    }

    [Fact]
    public async Task Retry_503ThenOk_SendsTheSameChangesInOrder_WithWhatArrivedMeanwhile()
    {
        _handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var sink = CreateSink();
        sink.Publish(Fired("s1", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await _time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms

        sink.Publish(Fired("s2", Severity.Warning, StartMs));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        Assert.Equal(["s1", "s2"], Entries(_handler.Requests[1]).Select(e => e.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(1, Notifications("retried"));
        Assert.Equal(2, Notifications("sent"));
    }

    [Fact]
    public async Task Queue_IsBounded_TheOldestChangesAreDroppedAndCounted()
    {
        var gate = _handler.EnqueueBlocked();
        var sink = CreateSink(o => o with { MaxPendingNotifications = 2 });
        sink.Publish(Fired("s0", Severity.Warning, StartMs));
        await _handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        foreach (var shop in new[] { "s1", "s2", "s3" })
        {
            sink.Publish(Fired(shop, Severity.Warning, StartMs));
        }

        gate.SetResult();
        await _handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        // s0 was in flight and is never dropped; of s1, s2, s3 waiting behind it, s1 made room for s3.
        Assert.Equal(["s0"], Entries(_handler.Requests[0]).Select(e => e.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(["s2", "s3"], Entries(_handler.Requests[1]).Select(e => e.GetProperty("labels").GetProperty("shop").GetString()));
        Assert.Equal(1, Notifications("dropped"));
        Assert.Equal(3, Notifications("sent"));
    }
}
