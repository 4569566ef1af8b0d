using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Kafka;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>
/// One rule for live messages and the look-back rebuild: a message stamped a day or a minute ahead of
/// the clock (beyond the lateness) is <c>future_timestamp</c>, one stamped in 2001 is <c>too_old</c>, in the
/// live path (dead-lettered, counted) and again when a restarted instance re-reads them (counted, not applied):
/// none of them moves the watermark or opens a conversation "waiting 25 years".
/// </summary>
public sealed class HostileTimeTests
{
    private const string Group = "hostile-time";
    private const string Shop = "hostile-shop";

    [Fact]
    public async Task FutureAndAncientMessages_AreRejectedLive_AndAgainByTheRebuildAfterARestart()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 1);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = Group }).Build();
        using var http = new HttpClient();

        var first = Options(cluster.BootstrapServers);
        var before = LiveHost.Build(first, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await before.StartAsync(timeout);
        try
        {
            var now = DateTimeOffset.UtcNow;
            await ProduceAsync(producer, "ok-1", now, timeout);
            await ProduceAsync(producer, "ahead-a-day", now.AddDays(1), timeout);
            await ProduceAsync(producer, "ahead-a-minute", now.AddMinutes(1), timeout); // inside the old 5-minute window, beyond the lateness
            await ProduceAsync(producer, "from-2001", new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), timeout);
            await ProduceAsync(producer, "ok-2", DateTimeOffset.UtcNow, timeout);

            await Eventually(() => Committed(reader) == 5, "the five messages stored", timeout);
            var live = await ScrapeAsync(http, first.MetricsUrl, timeout);
            Assert.Equal(5, Sample(live, "monitor_events_consumed_total{topic=\"chats\"}"));
            Assert.Equal(2, Sample(live, "monitor_events_invalid_total{topic=\"chats\",reason=\"future_timestamp\"}"));
            Assert.Equal(1, Sample(live, "monitor_events_invalid_total{topic=\"chats\",reason=\"too_old\"}"));
            Assert.Equal(0, Sample(live, "monitor_late_events_total{topic=\"chats\"}"));
        }
        finally
        {
            await before.StopAsync(CancellationToken.None);
            await before.DisposeAsync();
        }

        var second = Options(cluster.BootstrapServers);
        var after = LiveHost.Build(second, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await after.StartAsync(timeout);
        try
        {
            string rebuilt = "";
            await Eventually(
                async () => Sample(rebuilt = await ScrapeAsync(http, second.MetricsUrl, timeout), "monitor_events_replayed_total{topic=\"chats\"}") == 2,
                "the rebuild of the two valid messages",
                timeout);
            Assert.Equal(2, Sample(rebuilt, "monitor_events_rebuild_rejected_total{topic=\"chats\",reason=\"future_timestamp\"}"));
            Assert.Equal(1, Sample(rebuilt, "monitor_events_rebuild_rejected_total{topic=\"chats\",reason=\"too_old\"}"));

            // Nothing dragged the watermark ahead of the clock: it trails it by about the lateness.
            await Eventually(
                async () => Sample(await ScrapeAsync(http, second.MetricsUrl, timeout), "monitor_watermark_lag_seconds") is >= 0 and < 60,
                "the watermark behind the clock",
                timeout);
            var settled = await ScrapeAsync(http, second.MetricsUrl, timeout);
            Assert.Equal(0, Sample(settled, "monitor_events_invalid_total{topic=\"chats\",reason=\"future_timestamp\"}"));
        }
        finally
        {
            await after.StopAsync(CancellationToken.None);
            await after.DisposeAsync();
        }
    }

    private static LiveOptions Options(string bootstrapServers) => new()
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
    };

    private static Task ProduceAsync(IProducer<string, byte[]> producer, string id, DateTimeOffset ts, CancellationToken cancellationToken)
    {
        var json = $$"""{"eventId":"{{id}}","type":"message","shopId":"{{Shop}}","ts":{{ts.ToUnixTimeMilliseconds()}},"conversationId":"conv-{{id}}","channel":"chat","sender":"customer"}""";
        return producer.ProduceAsync("chats", new Message<string, byte[]> { Key = Shop, Value = Encoding.UTF8.GetBytes(json) }, cancellationToken);
    }

    private static long Committed(IConsumer<Ignore, Ignore> reader) =>
        reader.Committed([new TopicPartition("chats", 0)], TimeSpan.FromSeconds(10)).Sum(p => p.Offset.IsSpecial ? 0 : p.Offset.Value);

    private static Task<string> ScrapeAsync(HttpClient http, string metricsUrl, CancellationToken cancellationToken) =>
        http.GetStringAsync($"{metricsUrl}/metrics", cancellationToken);

    /// <summary>The value of one exact series of a Prometheus text scrape (NaN when absent).</summary>
    private static double Sample(string scrape, string series)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
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
