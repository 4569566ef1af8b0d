using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.IntegrationTests.Servers;
using Monitor.Observability;

namespace Monitor.IntegrationTests;

/// <summary><see cref="WebhookSink"/> over real HTTP to a listener on loopback.</summary>
public sealed class WebhookSinkIntegrationTests
{
    [Fact]
    public async Task Changes_ArriveAsJsonArrays_InOrder()
    {
        await using var receiver = new WebhookReceiver();
        var metrics = new MonitorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var fired = new AlertChange(
            AlertChangeKind.Fired, "RefundWaiting30m", "RefundWaiting30m{shop=旗舰店}", Severity.Notice,
            [KeyValuePair.Create("alertname", "RefundWaiting30m"), KeyValuePair.Create("severity", "notice"), KeyValuePair.Create("shop", "旗舰店")],
            [KeyValuePair.Create("count", "3"), KeyValuePair.Create("oldest_items", "r-1, r-2, r-3")],
            3, 1, now - 60_000, now);

        await using (var sink = new WebhookSink(receiver.Url, new AlertingOptions(), null, TimeProvider.System, metrics))
        {
            sink.Publish(fired);
            sink.Publish(fired with { Kind = AlertChangeKind.Resolved, AtMs = now + 1000 });
        }

        // Disposal flushed both; they came in one or two requests, in order.
        var kinds = receiver.Bodies.SelectMany(b => b.EnumerateArray()).Select(e => e.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["fired", "resolved"], kinds);
        var first = receiver.Bodies[0][0];
        Assert.Equal("旗舰店", first.GetProperty("labels").GetProperty("shop").GetString());
        Assert.Equal("r-1, r-2, r-3", first.GetProperty("annotations").GetProperty("oldest_items").GetString());
        Assert.Equal(2, metrics.Notifications(WebhookSink.DefaultName, "sent"));
    }
}
