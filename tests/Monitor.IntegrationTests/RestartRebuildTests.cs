using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;

namespace Monitor.IntegrationTests;

/// <summary>
/// A restart rebuilds state and alert state from the look-back (DESIGN §2, §5): the second
/// instance re-reads the partition up to the committed offset, holds its alerts until the rebuild
/// is judged, then re-sends the firing alert, which Alertmanager de-duplicates (no second page),
/// and a later resolve still arrives.
/// </summary>
public sealed class RestartRebuildTests
{
    private const string Shop = "restart-shop-1";
    private const string Group = "restart-rebuild";

    [Fact]
    public async Task Restart_RebuildsAlertStateFromTheLookBack_WithoutRepaging_AndTheResolveArrives()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4)).Token;
        await using var receiver = new WebhookReceiver();
        await using var alertmanager = await AlertingFixtures.StartAlertmanagerAsync(receiver, timeout);
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 2);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        using var http = new HttpClient();
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = Group }).Build();

        var first = Options(alertmanager.Url, cluster.BootstrapServers);
        var before = LiveHost.Build(first, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await before.StartAsync(timeout);
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "customer", timeout);
            }

            await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "firing", TimeSpan.FromSeconds(60), "a firing ChatBacklogHigh");
            await Eventually(async () => await CommittedAsync(reader) == 3, "the three events committed", timeout);
        }
        finally
        {
            await before.StopAsync(CancellationToken.None);
            await before.DisposeAsync();
        }

        var second = Options(alertmanager.Url, cluster.BootstrapServers);
        var after = LiveHost.Build(second, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await after.StartAsync(timeout);
        try
        {
            // Nothing new was produced: only the rebuild can know that three chats still wait.
            await Eventually(
                async () => JsonDocument.Parse(await http.GetStringAsync($"{second.MetricsUrl}/api/alerts", timeout)).RootElement.GetProperty("active").GetArrayLength() == 1,
                "the alert restored on the second instance",
                timeout);
            var metrics = await http.GetStringAsync($"{second.MetricsUrl}/metrics", timeout);
            Assert.Contains("monitor_events_replayed_total{topic=\"chats\"} 3", metrics);
            Assert.DoesNotContain("monitor_events_consumed_total{topic=\"chats\"} 3", metrics);

            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "agent", timeout);
            }

            await receiver.WaitForAsync(body => AlertingFixtures.Status(body) == "resolved", TimeSpan.FromSeconds(60), "a resolved ChatBacklogHigh");

            // The restart re-sent the firing alert; Alertmanager de-duplicated it: one page in all.
            Assert.Single(receiver.Bodies, body => AlertingFixtures.Status(body) == "firing");
            Assert.Equal(6, await CommittedAsync(reader, wait: true));
        }
        finally
        {
            await after.StopAsync(CancellationToken.None);
            await after.DisposeAsync();
        }
    }

    private static LiveOptions Options(Uri alertmanager, string bootstrapServers) => new()
    {
        Kafka = new KafkaSourceOptions
        {
            BootstrapServers = bootstrapServers,
            GroupId = Group,
            BrokerHasTimeIndex = false,
            Extra = new Dictionary<string, string> { ["auto.commit.interval.ms"] = "200", ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "1000" },
        },
        Engine = new EngineOptions { AllowedLateness = TimeSpan.FromSeconds(2), SourceIdleAfter = TimeSpan.FromSeconds(1) },
        MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
        AlertRules = new AlertRuleSet(
            [
                AlertingFixtures.ChatBacklogRule(),
            ],
            []),
        Alerting = new AlertingOptions { AlertmanagerUrl = alertmanager },
    };

    /// <summary>The group's committed offsets summed over the chats partitions.</summary>
    private static async Task<long> CommittedAsync(IConsumer<Ignore, Ignore> reader, bool wait = false)
    {
        var partitions = new[] { new TopicPartition("chats", 0), new TopicPartition("chats", 1) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var total = reader.Committed(partitions, TimeSpan.FromSeconds(10)).Sum(p => p.Offset.IsSpecial ? 0 : p.Offset.Value);
            if (!wait || total >= 6 || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return total;
            }

            await Task.Delay(200);
        }
    }

    private static Task Eventually(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        Eventually(() => Task.FromResult(condition()), what, cancellationToken);

    private static async Task Eventually(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
