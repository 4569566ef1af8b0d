using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Influx;
using Monitor.Kafka;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Replay;
using Monitor.IntegrationTests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Monitor.IntegrationTests;

/// <summary>
/// Events produced with Confluent.Kafka (and one with kcat) into the embedded broker, through the
/// live pipeline, into a real influxd; the InfluxQL answers must equal hand-computed values. Then
/// a replay of the same events must give the same rows, /metrics must pass promtool, and a
/// malformed message must land on chats.dlq with its reason.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class EndToEndTests(InfluxFixture influx)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 11, 14, 0, 0, TimeSpan.Zero);

    private static readonly EngineOptions Engine = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.FromSeconds(5),
    };

    // Hand-computed below: shop-a c1 waits 2→32 s (first, agent, 30 s) and 40→45 s (reply, bot, 5 s);
    // shop-a c2 (email) waits from 12 s unanswered; shop-b c3 waits 4→14 s (10 s), c4 20→44 s (24 s).
    private static readonly Dictionary<string, (string Key, string Json)> Events = new()
    {
        ["e1"] = ("shop-a", Chat("e1", "shop-a", 1, "\"type\":\"conversation_started\",\"conversationId\":\"c1\",\"channel\":\"chat\"")),
        ["e2"] = ("shop-a", Chat("e2", "shop-a", 2, "\"type\":\"message\",\"conversationId\":\"c1\",\"sender\":\"customer\",\"text\":\"where is my parcel 投诉\"")),
        ["e3"] = ("shop-a", Chat("e3", "shop-a", 32, "\"type\":\"message\",\"conversationId\":\"c1\",\"sender\":\"agent\",\"agentId\":\"ag1\"")),
        ["e4"] = ("shop-a", Chat("e4", "shop-a", 40, "\"type\":\"message\",\"conversationId\":\"c1\",\"sender\":\"customer\",\"text\":\"ok\"")),
        ["e5"] = ("shop-a", Chat("e5", "shop-a", 45, "\"type\":\"message\",\"conversationId\":\"c1\",\"sender\":\"bot\"")),
        ["e6"] = ("shop-a", Chat("e6", "shop-a", 12, "\"type\":\"message\",\"conversationId\":\"c2\",\"channel\":\"email\",\"sender\":\"customer\",\"text\":\"refund please\"")),
        ["e7"] = ("shop-b", Chat("e7", "shop-b", 3, "\"type\":\"conversation_started\",\"conversationId\":\"c3\"")),
        ["e8"] = ("shop-b", Chat("e8", "shop-b", 4, "\"type\":\"message\",\"conversationId\":\"c3\",\"sender\":\"customer\",\"text\":\"hi\"")),
        ["e9"] = ("shop-b", Chat("e9", "shop-b", 14, "\"type\":\"message\",\"conversationId\":\"c3\",\"sender\":\"agent\"")),
        ["e10"] = ("shop-b", Chat("e10", "shop-b", 20, "\"type\":\"message\",\"conversationId\":\"c4\",\"sender\":\"customer\",\"text\":\"hello\"")),
        ["e11"] = ("shop-b", Chat("e11", "shop-b", 44, "\"type\":\"message\",\"conversationId\":\"c4\",\"sender\":\"agent\"")),
    };

    // Live order: roughly event time, each event at most 1 s behind a later one; e9 goes through kcat.
    private static readonly string[] LiveOrder = ["e2", "e1", "e8", "e7", "e6", "e9", "e10", "e3", "e4", "e11", "e5"];

    // Replay order: another shuffle, every event displaced by at most 4 s (< the 5 s lateness).
    private static readonly string[] ReplayOrder = ["e1", "e7", "e2", "e8", "e9", "e6", "e10", "e3", "e11", "e4", "e5"];

    [Fact]
    public async Task KafkaToInfluxDb_GivesHandComputedValues_AndReplayGivesTheSameRows()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 2);
        await influx.Server.CreateDatabaseAsync("e2e_live", timeout);
        await influx.Server.CreateDatabaseAsync("e2e_replay", timeout);

        var clock = new FakeTimeProvider(T0);
        var metricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}";
        var app = LiveHost.Build(
            new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "e2e" },
                Engine = Engine,
                Influx = new InfluxOptions { Url = influx.Server.Url, Database = "e2e_live", FlushInterval = TimeSpan.FromMilliseconds(200) },
                MetricsUrl = metricsUrl,

                // The clock stands at T0 while the events run past it; it moves at the end.
                MaxFutureSkew = TimeSpan.FromMinutes(5),
            },
            HostClocks.WithEvents(clock),
            logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        try
        {
            using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            {
                foreach (var id in LiveOrder)
                {
                    var (key, json) = Events[id];
                    if (id == "e9")
                    {
                        await RunKcatAsync(cluster.BootstrapServers, "chats", key, json, timeout);
                        continue;
                    }

                    await producer.ProduceAsync("chats", new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(json) }, timeout);
                }

                // A redelivered event (same eventId) and a malformed message.
                await producer.ProduceAsync("chats", new Message<string, byte[]> { Key = "shop-a", Value = Encoding.UTF8.GetBytes(Events["e3"].Json) }, timeout);
                await producer.ProduceAsync("chats", new Message<string, byte[]> { Key = "shop-a", Value = Encoding.UTF8.GetBytes("{\"type\":\"message\",") }, timeout);
            }

            var metrics = app.Services.GetRequiredService<MonitorMetrics>();
            await Eventually(() => metrics.EventsConsumed.WithLabels("chats").Value >= 13, "all 13 messages consumed", timeout);
            Assert.Equal(1, metrics.EventsDuplicate.WithLabels("chats").Value);
            Assert.Equal(1, metrics.EventsInvalid.WithLabels("chats", "malformed_json").Value);

            // Live mode: the clock moves an idle stream's watermark past the last boundaries.
            clock.Advance(TimeSpan.FromSeconds(75));
            await Eventually(
                async () => (await Query("e2e_live", $"SELECT waiting FROM backlog WHERE time = {Ms(60)}ms")).Count > 0,
                "points up to T0+60s in InfluxDB",
                timeout);

            await AssertHandComputedValues("e2e_live");

            // No customer text reached InfluxDB, in tags or fields.
            var everything = Canonical(await Query("e2e_live", "SELECT * FROM /.*/ GROUP BY *"));
            Assert.NotEmpty(everything);
            foreach (var text in new[] { "parcel", "投诉", "refund please", "hello" })
            {
                Assert.DoesNotContain(text, everything);
            }

            // The same events replayed (in another order, within the lateness) give the same rows.
            var file = Path.Combine(Path.GetTempPath(), $"chats-{Guid.NewGuid():N}.jsonl");
            var lines = ReplayOrder.Select(id => Events[id].Json).ToArray();
            await File.WriteAllLinesAsync(file, lines, timeout);
            try
            {
                await ReplayAsync(influx.Server.Url, file, "e2e_replay");
            }
            finally
            {
                File.Delete(file);
            }

            await AssertHandComputedValues("e2e_replay");
            foreach (var measurement in new[] { "backlog", "response_time" })
            {
                var query = $"SELECT * FROM {measurement} WHERE time <= {Ms(50)}ms GROUP BY *";
                Assert.Equal(Canonical(await Query("e2e_replay", query)), Canonical(await Query("e2e_live", query)));
            }

            // Prometheus accepts /metrics, which shows the business gauges and never customer text.
            using var http = new HttpClient();
            var exposition = await http.GetStringAsync($"{metricsUrl}/metrics", timeout);
            Assert.Contains("monitor_backlog_waiting{shop=\"shop-a\",queue=\"email\"} 1", exposition);
            Assert.Equal(0, metrics.EventsLate.WithLabels("chats").Value);
            Assert.DoesNotContain("parcel", exposition);
            Assert.DoesNotContain("投诉", exposition);
            await PromtoolCheckMetricsAsync(exposition, timeout);
            Assert.Equal("ok\n", await http.GetStringAsync($"{metricsUrl}/healthz", timeout));

            await AssertDeadLetteredAsync(cluster.BootstrapServers, timeout);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private async Task AssertHandComputedValues(string database)
    {
        var backlogA = await Row(database, $"SELECT waiting, oldest_wait_seconds FROM backlog WHERE shop='shop-a' AND queue='chat' AND time = {Ms(30)}ms");
        Assert.Equal(1, backlogA["waiting"].GetInt64());
        Assert.Equal(28, backlogA["oldest_wait_seconds"].GetDouble());

        var backlogB = await Row(database, $"SELECT waiting, oldest_wait_seconds FROM backlog WHERE shop='shop-b' AND queue='chat' AND time = {Ms(30)}ms");
        Assert.Equal(1, backlogB["waiting"].GetInt64());
        Assert.Equal(10, backlogB["oldest_wait_seconds"].GetDouble());

        var email = await Row(database, $"SELECT waiting, oldest_wait_seconds FROM backlog WHERE shop='shop-a' AND queue='email' AND time = {Ms(50)}ms");
        Assert.Equal(1, email["waiting"].GetInt64());
        Assert.Equal(38, email["oldest_wait_seconds"].GetDouble());

        var answeredA = await Row(database, $"SELECT waiting, oldest_wait_seconds FROM backlog WHERE shop='shop-a' AND queue='chat' AND time = {Ms(50)}ms");
        Assert.Equal(0, answeredA["waiting"].GetInt64());

        var firstB = await Row(database, $"SELECT \"count\", p50, p90, mean, max, within_sla_ratio FROM response_time WHERE shop='shop-b' AND channel='chat' AND kind='first' AND responder='agent' AND time = {Ms(50)}ms");
        Assert.Equal(2, firstB["count"].GetInt64());
        Assert.Equal(10, firstB["p50"].GetDouble());
        Assert.Equal(24, firstB["p90"].GetDouble());
        Assert.Equal(17, firstB["mean"].GetDouble());
        Assert.Equal(24, firstB["max"].GetDouble());
        Assert.Equal(1, firstB["within_sla_ratio"].GetDouble());

        var botA = await Row(database, $"SELECT \"count\", p50 FROM response_time WHERE shop='shop-a' AND kind='reply' AND responder='bot' AND time = {Ms(50)}ms");
        Assert.Equal(1, botA["count"].GetInt64());
        Assert.Equal(5, botA["p50"].GetDouble());

        var firstA = await Row(database, $"SELECT \"count\", p50 FROM response_time WHERE shop='shop-a' AND kind='first' AND responder='agent' AND time = {Ms(50)}ms");
        Assert.Equal(1, firstA["count"].GetInt64());
        Assert.Equal(30, firstA["p50"].GetDouble());
    }

    private static async Task ReplayAsync(Uri influxUrl, string file, string database)
    {
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        using var http = new HttpClient();
        var options = new InfluxOptions { Url = influxUrl, Database = database, BufferFullMode = BufferFullMode.Wait, FlushInterval = TimeSpan.FromMilliseconds(100) };
        await using var writer = new InfluxWriter(options, http, metrics, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<InfluxWriter>.Instance);
        var router = new PointRouter(metrics, [writer]);
        using var deadLetters = new FileDeadLetterSink(null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var summary = new ReplayRunner(Engine, metrics, router, deadLetters).Run([file]);
        Assert.Equal(11, summary.Accepted);
        await writer.FlushAsync();
        Assert.Equal(0, metrics.InfluxPointsFailed.Value);
    }

    private async Task<IReadOnlyList<InfluxSeries>> Query(string database, string influxQl)
    {
        return await influx.Server.QueryAsync(database, influxQl);
    }

    private async Task<IReadOnlyDictionary<string, System.Text.Json.JsonElement>> Row(string database, string influxQl)
    {
        var series = await Query(database, influxQl);
        var rows = series.SelectMany(s => s.Rows).ToArray();
        Assert.True(rows.Length == 1, $"{database}: expected one row for {influxQl}, got {rows.Length}");
        return rows[0];
    }

    private static string Canonical(IReadOnlyList<InfluxSeries> series) =>
        string.Join("\n", series
            .Select(s => $"{s.Name} {string.Join(",", s.Tags.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"))} " +
                         string.Join(";", s.Values.Select(row => string.Join(",", row.Select(v => v.ToString())))))
            .Order(StringComparer.Ordinal));

    private static long Ms(int secondsAfterT0) => T0.AddSeconds(secondsAfterT0).ToUnixTimeMilliseconds();

    private static string Chat(string id, string shop, int secondsAfterT0, string body)
    {
        // Alternate the two timestamp forms of the contract.
        var ts = secondsAfterT0 % 2 == 0
            ? $"\"{T0.AddSeconds(secondsAfterT0).ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd'T'HH:mm:sszzz}\""
            : Ms(secondsAfterT0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{{\"eventId\":\"{id}\",\"shopId\":\"{shop}\",\"ts\":{ts},{body}}}";
    }

    private static async Task RunKcatAsync(string bootstrap, string topic, string key, string message, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kcat", ["-P", "-b", bootstrap, "-t", topic, "-k", key])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kcat did not start (apt-get install kcat)");
        await process.StandardInput.WriteLineAsync(message);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"kcat failed: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
    }

    private static async Task PromtoolCheckMetricsAsync(string exposition, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start (apt-get install prometheus)");
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken) + await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"promtool check metrics failed:\n{output}");
    }

    private static async Task AssertDeadLetteredAsync(string bootstrap, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "dlq-check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe("chats.dlq");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is null)
            {
                continue;
            }

            Assert.Equal("{\"type\":\"message\",", Encoding.UTF8.GetString(result.Message.Value));
            Assert.Equal("malformed_json", Encoding.UTF8.GetString(result.Message.Headers.GetLastBytes("dlq-reason")));
            consumer.Close();
            return;
        }

        Assert.Fail("no message on chats.dlq within 60 s");
    }

    /// <summary>Polls a condition until it holds (a wait for a state, not a sleep for timing).</summary>
    private static Task Eventually(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        Eventually(() => Task.FromResult(condition()), what, cancellationToken);

    private static async Task Eventually(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
