using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Servers;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 6, promise 4: an Alertmanager outage loses no page. A live monitor fires while Alertmanager
/// is down; Alertmanager comes back with empty storage (a replaced instance that knows nothing) and
/// the firing notification still reaches its receiver. Then the alert resolves while Alertmanager is
/// down again, and the resolve arrives once it is back. Nothing is counted failed or dropped.
/// </summary>
public sealed class AlertmanagerOutageTests(ITestOutputHelper output)
{
    private const string Shop = "outage-shop-1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AlertFiredAndResolvedWhileAlertmanagerIsDown_BothReachTheReceiver_OnceItIsBack()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        await using var receiver = new WebhookReceiver();
        await using var alertmanager = await AlertingFixtures.StartAlertmanagerAsync(receiver, timeout);
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 2);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        using var http = new HttpClient();
        var options = new LiveOptions
        {
            Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "am-outage" },
            Engine = new EngineOptions { AllowedLateness = TimeSpan.FromSeconds(2), SourceIdleAfter = TimeSpan.FromSeconds(1) },
            MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
            AlertRules = new AlertRuleSet([AlertingFixtures.ChatBacklogRule()], []),
            Alerting = new AlertingOptions
            {
                AlertmanagerUrl = alertmanager.Url,
                ResendInterval = TimeSpan.FromSeconds(2),
                RequestTimeout = TimeSpan.FromSeconds(2),
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
            },
        };
        var app = LiveHost.Build(options, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        try
        {
            async Task<double> Notifications(string outcome)
            {
                var metrics = await http.GetStringAsync($"{options.MetricsUrl}/metrics", timeout);
                // Summed over the severity label.
                return Regex.Matches(metrics, $"^monitor_alert_notifications_total\\{{sink=\"alertmanager\",outcome=\"{outcome}\",severity=\"[a-z]+\"\\}} (\\S+)$", RegexOptions.Multiline)
                    .Sum(match => double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }

            async Task<int> ActiveAlerts() =>
                JsonDocument.Parse(await http.GetStringAsync($"{options.MetricsUrl}/api/alerts", timeout)).RootElement.GetProperty("active").GetArrayLength();

            // Outage 1: the alert fires while Alertmanager is down.
            await alertmanager.StopAsync();
            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "customer", timeout);
            }

            await Eventually(async () => await ActiveAlerts() == 1, "the alert firing on the monitor");
            var retriedBefore = await Notifications("retried");
            await Eventually(async () => await Notifications("retried") > retriedBefore + 1, "the firing alert retried while Alertmanager is down");

            // Back with empty storage: it knows nothing, the monitor's retry and re-send bring the alert.
            await alertmanager.StartAgainAsync(freshStorage: true, timeout);
            var firing = await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "firing", Patience, "the firing ChatBacklogHigh after the outage");
            Assert.Equal(Shop, firing.GetProperty("alerts")[0].GetProperty("labels").GetProperty("shop").GetString());

            // Outage 2: the alert resolves while Alertmanager is down (storage kept: its notification
            // log must remember the page to send the resolve).
            await alertmanager.StopAsync();
            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "agent", timeout);
            }

            await Eventually(async () => await ActiveAlerts() == 0, "the alert resolved on the monitor");
            retriedBefore = await Notifications("retried");
            await Eventually(async () => await Notifications("retried") > retriedBefore + 1, "the resolve retried while Alertmanager is down");
            Assert.DoesNotContain(receiver.Bodies, body => AlertingFixtures.Status(body) == "resolved");

            await alertmanager.StartAgainAsync(freshStorage: false, timeout);
            await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "resolved", Patience, "the resolved ChatBacklogHigh after the second outage");

            Assert.Single(receiver.Bodies, body => AlertingFixtures.Status(body) == "firing");
            Assert.Equal(0, await Notifications("failed"));
            Assert.Equal(0, await Notifications("dropped"));
            output.WriteLine($"retried {await Notifications("retried")}, sent {await Notifications("sent")}");
        }
        finally
        {
            output.WriteLine("Alertmanager log (tail):\n" + alertmanager.Log);
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > Patience)
            {
                Assert.Fail($"timed out after {Patience.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(200);
        }
    }
}
