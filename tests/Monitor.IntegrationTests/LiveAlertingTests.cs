using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;

namespace Monitor.IntegrationTests;

/// <summary>
/// The whole alert path, live: events through the embedded broker into the pipeline, the early
/// path fires, a real Alertmanager groups it and calls a webhook served here; replies resolve it,
/// and the final view's confirmation in between does not page again.
/// </summary>
public sealed class LiveAlertingTests
{
    private const string Shop = "alert-shop-1";

    [Fact]
    public async Task ChatBacklogAlert_FiresThroughAlertmanager_AndResolves()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        await using var receiver = new WebhookReceiver();
        await using var alertmanager = await AlertingFixtures.StartAlertmanagerAsync(receiver, timeout);
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 2);
        var options = new LiveOptions
        {
            Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "live-alerts" },
            Engine = new EngineOptions { AllowedLateness = TimeSpan.FromSeconds(2), SourceIdleAfter = TimeSpan.FromSeconds(1) },
            MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
            AlertRules = new AlertRuleSet(
                [
                    AlertingFixtures.ChatBacklogRule(),
                ],
                []),
            Alerting = new AlertingOptions { AlertmanagerUrl = alertmanager.Url },
        };
        var app = LiveHost.Build(options, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        try
        {
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "customer", timeout);
            }

            var firing = await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "firing", TimeSpan.FromSeconds(60), "a firing ChatBacklogHigh");
            var alert = firing.GetProperty("alerts")[0];
            Assert.Equal(Shop, alert.GetProperty("labels").GetProperty("shop").GetString());
            Assert.Equal("warning", alert.GetProperty("labels").GetProperty("severity").GetString());
            Assert.Equal("chat", alert.GetProperty("labels").GetProperty("team").GetString());
            Assert.Equal($"3 chats waiting in {Shop}", alert.GetProperty("annotations").GetProperty("summary").GetString());

            using var http = new HttpClient();
            var api = JsonDocument.Parse(await http.GetStringAsync($"{options.MetricsUrl}/api/alerts", timeout)).RootElement;
            Assert.Equal(Shop, Assert.Single(api.GetProperty("active").EnumerateArray()).GetProperty("labels").GetProperty("shop").GetString());
            var metrics = await http.GetStringAsync($"{options.MetricsUrl}/metrics", timeout);
            Assert.Contains("monitor_alerts_firing{alertname=\"ChatBacklogHigh\",severity=\"warning\"} 1", metrics);

            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "agent", timeout);
            }

            await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "resolved", TimeSpan.FromSeconds(60), "a resolved ChatBacklogHigh");

            // One firing notification in all: the final view's confirmation did not page again.
            Assert.Single(receiver.Bodies, body => AlertingFixtures.Status(body) == "firing");
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
