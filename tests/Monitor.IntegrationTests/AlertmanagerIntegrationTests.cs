using System.Diagnostics;
using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.IntegrationTests.Servers;
using Monitor.Observability;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// <see cref="AlertmanagerSink"/> against a real Alertmanager whose only receiver is a webhook served
/// by the test: alerts reach Alertmanager and its receiver, resolves follow, and an Alertmanager
/// restart loses nothing.
/// </summary>
public sealed class AlertmanagerIntegrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly MonitorMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly HttpClient _http = new();
    private WebhookReceiver _receiver = null!;
    private AlertmanagerServer _alertmanager = null!;

    public async Task InitializeAsync()
    {
        _receiver = new WebhookReceiver();
        _alertmanager = await AlertmanagerServer.StartAsync($"""
            route:
              receiver: test
              group_by: [alertname, shop]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: test
                webhook_configs:
                  - url: {_receiver.Url}
                    send_resolved: true
            """);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine("Alertmanager log (tail):\n" + _alertmanager.Log);
        await _alertmanager.DisposeAsync();
        await _receiver.DisposeAsync();
        _http.Dispose();
    }

    private AlertmanagerSink CreateSink() => new(
        new AlertingOptions
        {
            AlertmanagerUrl = _alertmanager.Url,
            GrafanaUrl = new Uri("http://grafana.test:3000"),
            ResendInterval = TimeSpan.FromSeconds(5),
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(1),
        },
        _http,
        TimeProvider.System,
        _metrics);

    private static AlertChange Fired(string shop, string rule = "ChatFirstResponseSlow")
    {
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(-10).ToUnixTimeMilliseconds();
        return new AlertChange(
            AlertChangeKind.Fired,
            rule,
            $"{rule}{{shop={shop}}}",
            Severity.Warning,
            [
                KeyValuePair.Create("alertname", rule),
                KeyValuePair.Create("service", "service-monitor"),
                KeyValuePair.Create("severity", "warning"),
                KeyValuePair.Create("shop", shop),
                KeyValuePair.Create("team", "chat"),
            ],
            [
                KeyValuePair.Create("runbook_url", "docs/runbook.md#chatfirstresponseslow"),
                KeyValuePair.Create("summary", $"Chat first response p90 is 4m10s in shop {shop}"),
            ],
            250,
            180,
            startsAt,
            startsAt)
        {
            Panel = "service-war-room/4",
        };
    }

    private static AlertChange Resolved(AlertChange firing) =>
        firing with { Kind = AlertChangeKind.Resolved, AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };

    private static string? Label(JsonElement alert, string name) =>
        alert.GetProperty("labels").TryGetProperty(name, out var value) ? value.GetString() : null;

    /// <summary>An Alertmanager webhook notification with <paramref name="status"/> holding an alert of <paramref name="shop"/>.</summary>
    private static Func<JsonElement, bool> Notification(string status, string shop) => body =>
        body.GetProperty("status").GetString() == status
        && body.GetProperty("alerts").EnumerateArray().Any(a => Label(a, "shop") == shop && a.GetProperty("status").GetString() == status);

    private async Task<IReadOnlyList<JsonElement>> WaitForAlertsAsync(Func<IReadOnlyList<JsonElement>, bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var alerts = await _alertmanager.GetAlertsAsync();
            if (condition(alerts))
            {
                return alerts;
            }

            if (waited.Elapsed > Patience)
            {
                throw new TimeoutException($"Alertmanager did not show {what} within {Patience}. It holds: {JsonSerializer.Serialize(alerts)}");
            }

            await Task.Delay(50);
        }
    }

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > Patience)
            {
                throw new TimeoutException($"Not {what} within {Patience}");
            }

            await Task.Delay(20);
        }
    }

    private double Notifications(string outcome) => _metrics.Notifications(AlertmanagerSink.SinkName, outcome);

    [Fact]
    public async Task Fired_ReachesAlertmanagerAndItsReceiver_ThenResolvedIsNotifiedToo()
    {
        await using var sink = CreateSink();
        var fired = Fired("旗舰店");

        var published = Stopwatch.StartNew();
        sink.Publish(fired);
        await WaitForAsync(() => Notifications("sent") >= 1, "accepted by Alertmanager");
        output.WriteLine($"Publish → Alertmanager 200: {published.Elapsed.TotalMilliseconds:F1} ms (wall, polled); " +
            $"monitor_alert_delivery_seconds sum {_metrics.AlertDelivery.WithLabels(AlertmanagerSink.SinkName).Sum * 1000:F1} ms");

        var held = await WaitForAlertsAsync(alerts => alerts.Any(a => Label(a, "shop") == "旗舰店"), "the fired alert");
        var alert = Assert.Single(held);
        Assert.Equal(
            fired.Labels.ToDictionary(p => p.Key, p => p.Value),
            alert.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        Assert.Equal(fired.Annotation("summary"), alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("http://grafana.test:3000/d/service-war-room?viewPanel=4", alert.GetProperty("generatorURL").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(fired.StartsAtMs), alert.GetProperty("startsAt").GetDateTimeOffset());
        Assert.True(alert.GetProperty("endsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(10)); // now + 4 × 5 s

        var firing = await _receiver.WaitForAsync(Notification("firing", "旗舰店"), Patience, "status firing for 旗舰店");
        Assert.Equal("旗舰店", firing.GetProperty("groupLabels").GetProperty("shop").GetString());
        Assert.Equal("ChatFirstResponseSlow", firing.GetProperty("groupLabels").GetProperty("alertname").GetString());

        sink.Publish(Resolved(fired));
        await _receiver.WaitForAsync(Notification("resolved", "旗舰店"), Patience, "status resolved for 旗舰店");
        await WaitForAlertsAsync(alerts => alerts.Count == 0, "no alert");
        Assert.Equal(0, Notifications("failed"));
    }

    [Fact]
    public async Task AlertmanagerRestart_ChangesPublishedWhileItWasDownArriveAfterIt()
    {
        await using var sink = CreateSink();
        var before = Fired("s-before");
        sink.Publish(before);
        await _receiver.WaitForAsync(Notification("firing", "s-before"), Patience, "status firing for s-before");

        await _alertmanager.StopAsync();
        var during = Fired("s-during", rule: "RefundBacklogHigh");
        sink.Publish(Resolved(before));
        sink.Publish(during);
        await WaitForAsync(() => Notifications("retried") >= 2, "retried while Alertmanager was down");

        await _alertmanager.StartAgainAsync();
        var held = await WaitForAlertsAsync(
            alerts => alerts.Any(a => Label(a, "shop") == "s-during"), "the alert fired while it was down");
        Assert.DoesNotContain(held, a => Label(a, "shop") == "s-before");
        await _receiver.WaitForAsync(Notification("firing", "s-during"), Patience, "status firing for s-during");
        await _receiver.WaitForAsync(Notification("resolved", "s-before"), Patience, "status resolved for s-before");
        Assert.Equal(0, Notifications("failed"));
        Assert.Equal(0, Notifications("dropped"));
        output.WriteLine($"retried {Notifications("retried")}, sent {Notifications("sent")}");
    }
}
