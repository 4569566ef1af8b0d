using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Servers;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Monitor.IntegrationTests;

/// <summary>
/// dashboards/monitor-health.json and deploy/prometheus/monitor-rules.yml against a real Prometheus
/// scraping a live monitor (embedded Kafka, a real influxd, a webhook alert sink) that consumed valid,
/// invalid, late and duplicate events and fired an alert: every panel query answers with a series, and
/// every metric the dashboard and the rules name is on the monitor's /metrics.
/// </summary>
public sealed class MonitorHealthDashboardTests(MonitorHealthDashboardTests.LiveMonitorScraped scraped, ITestOutputHelper output)
    : IClassFixture<MonitorHealthDashboardTests.LiveMonitorScraped>
{
    /// <summary>What Grafana would put in for <c>$__rate_interval</c>: above 4 scrapes of 1 s, with room for a missed one.</summary>
    private const string RateInterval = "15s";

    private static readonly Regex MetricName = new(@"\bmonitor_[a-z0-9_]+\b", RegexOptions.CultureInvariant);

    [Fact]
    public async Task EveryPanelQuery_ReturnsASeries_FromPrometheusScrapingTheLiveMonitor()
    {
        var end = DateTimeOffset.UtcNow;
        var queries = 0;
        foreach (var (title, expr) in DashboardQueries())
        {
            var query = expr
                .Replace("$__rate_interval", RateInterval, StringComparison.Ordinal)
                .Replace("$__interval", "1s", StringComparison.Ordinal)
                .Replace("$instance", ".*", StringComparison.Ordinal)
                .Replace("$job", "monitor", StringComparison.Ordinal);
            Assert.False(query.Contains('$'), $"panel '{title}' has a variable the test does not set: {query}");
            var data = await scraped.Prometheus.QueryRangeAsync(query, scraped.ScrapedFrom, end, TimeSpan.FromSeconds(1));
            Assert.Equal("matrix", data.GetProperty("resultType").GetString());
            var series = data.GetProperty("result").EnumerateArray().ToArray();
            Assert.True(
                series.Any(s => s.GetProperty("values").GetArrayLength() > 0),
                $"panel '{title}' returned no series: {query}");
            queries++;
        }

        output.WriteLine($"{queries} panel queries answered over {(end - scraped.ScrapedFrom).TotalSeconds:0} s of scrapes");
    }

    [Fact]
    public async Task EveryMetricOfTheDashboardAndTheRules_IsOnTheLiveMonitorsMetrics()
    {
        var exported = await scraped.ExportedSampleNamesAsync();
        var named = DashboardQueries().Select(q => ("monitor-health.json " + q.Title, q.Expr))
            .Concat(RuleExpressions().Select(r => ("monitor-rules.yml " + r.Alert, r.Expr)))
            .ToArray();
        Assert.Contains(named, n => n.Item1.StartsWith("monitor-rules.yml", StringComparison.Ordinal));
        foreach (var (where, expr) in named)
        {
            var names = MetricName.Matches(expr).Select(m => m.Value).Distinct().ToArray();
            Assert.True(names.Length > 0 || expr.Contains("up{", StringComparison.Ordinal), $"{where} names no metric: {expr}");
            foreach (var name in names)
            {
                Assert.True(exported.Contains(name), $"{where} reads {name}, which the monitor does not export");
            }
        }
    }

    [Fact]
    public async Task EveryRuleExpression_IsAcceptedByPrometheus_AndTheUpSeriesIsThere()
    {
        foreach (var (alert, expr) in RuleExpressions())
        {
            // Throws unless the status is success; a healthy monitor fires none of them, so no series is expected.
            await scraped.Prometheus.QueryAsync(expr);
            output.WriteLine($"{alert}: accepted");
        }

        // The board's job variable finds the scrape job among the monitor's series.
        var jobs = await scraped.Prometheus.QueryAsync("count by (job) (monitor_events_consumed_total)");
        Assert.Equal("monitor", Assert.Single(jobs.GetProperty("result").EnumerateArray()).GetProperty("metric").GetProperty("job").GetString());

        var up = await scraped.Prometheus.QueryAsync("up{job=\"monitor\"}");
        Assert.Equal("1", Assert.Single(up.GetProperty("result").EnumerateArray()).GetProperty("value")[1].GetString());
    }

    [Fact]
    public async Task EventCounters_CountTheInvalidAndDuplicateEventsProduced()
    {
        // Late is at least the one ten minutes old; on a loaded machine a fresh event can also arrive after the lateness.
        var late = (await scraped.Prometheus.QueryAsync("sum(monitor_late_events_total) >= 1")).GetProperty("result");
        Assert.Equal(1, late.GetArrayLength());
        foreach (var (metric, expected) in new[] { ("monitor_events_invalid_total", 1), ("monitor_duplicate_events_total", 1) })
        {
            var result = (await scraped.Prometheus.QueryAsync($"sum({metric})")).GetProperty("result");
            var detail = (await scraped.Prometheus.QueryAsync($"{metric} > 0")).GetProperty("result").GetRawText();
            Assert.True(
                expected.ToString() == Assert.Single(result.EnumerateArray()).GetProperty("value")[1].GetString(),
                $"{metric}: expected {expected} in all, got {detail}");
        }
    }

    /// <summary>(panel title, PromQL) of every target of dashboards/monitor-health.json.</summary>
    private static IReadOnlyList<(string Title, string Expr)> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(DeployArtifactTests.RepoRoot(), "dashboards", "monitor-health.json")));
        var queries = DashboardStructureTests.Panels(dashboard.RootElement)
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
                .Select(target => (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!)))
            .ToArray();
        Assert.NotEmpty(queries);
        return queries;
    }

    /// <summary>(alert, expr) of every rule in deploy/prometheus/monitor-rules.yml.</summary>
    private static IReadOnlyList<(string Alert, string Expr)> RuleExpressions()
    {
        var root = DeployArtifactTests.Load(Path.Combine(DeployArtifactTests.RepoRoot(), "deploy", "prometheus", "monitor-rules.yml"));
        return ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            .Select(rule => (DeployArtifactTests.Scalar(rule, "alert"), DeployArtifactTests.Scalar(rule, "expr")))
            .ToArray();
    }

    /// <summary>
    /// Kafka, influxd, a live monitor with a webhook sink and the ChatBacklogHigh rule, events of every
    /// kind produced, and a Prometheus that scraped it until every panel has something to show.
    /// </summary>
    public sealed class LiveMonitorScraped : IAsyncLifetime
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
        private const string Shop = "health-shop-1";

        private readonly HttpClient _http = new();
        private EmbeddedKafkaCluster? _cluster;
        private InfluxServer? _influx;
        private WebhookReceiver? _receiver;
        private WebApplication? _app;
        private string _metricsUrl = "";

        public PrometheusServer Prometheus { get; private set; } = null!;

        /// <summary>When Prometheus started: the panel queries run from here to now.</summary>
        public DateTimeOffset ScrapedFrom { get; private set; }

        public async Task InitializeAsync()
        {
            var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
            _cluster = EmbeddedKafkaCluster.Start(partitions: 2);
            _influx = await InfluxServer.StartAsync(timeout);
            await _influx.CreateDatabaseAsync("health", timeout);
            _receiver = new WebhookReceiver();
            var port = FreeTcpPort.Next();
            _metricsUrl = $"http://127.0.0.1:{port}";
            var options = new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = _cluster.BootstrapServers, GroupId = "health" },
                Engine = new EngineOptions { AllowedLateness = TimeSpan.FromSeconds(10), SourceIdleAfter = TimeSpan.FromSeconds(1) },
                Influx = new InfluxOptions { Url = _influx.Url, Database = "health", FlushInterval = TimeSpan.FromMilliseconds(200) },
                MetricsUrl = _metricsUrl,
                AlertRules = new AlertRuleSet([AlertingFixtures.ChatBacklogRule()], []),
                Alerting = new AlertingOptions { WebhookUrls = [_receiver.Url] },
            };
            _app = LiveHost.Build(options, HostClocks.System, logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
            await _app.StartAsync(timeout);
            ScrapedFrom = DateTimeOffset.UtcNow;
            Prometheus = await PrometheusServer.StartAsync([$"127.0.0.1:{port}"], TimeSpan.FromSeconds(1), timeout);

            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
            for (var i = 1; i <= 3; i++)
            {
                await AlertingFixtures.ProduceChatAsync(producer, Shop, $"c{i}", "customer", timeout);
            }

            await ProduceAsync(producer, "this is not JSON", timeout);
            await AlertingFixtures.ProduceChatAsync(producer, Shop, "c1", "customer", timeout); // same eventId as before: a duplicate
            await WaitAsync(() => MetricsContainAsync("monitor_duplicate_events_total{topic=\"chats\"} 1"), "the duplicate counted");

            // Once the watermark moved past it: an event ten minutes old is late. Until the empty
            // partition has reached its end the watermark is held, and the old event would be on
            // time; the gauge is 0 until the first watermark, then at least the lateness (10 s).
            await WaitAsync(async () => await WatermarkLagAsync() is >= 5 and < 300, "the watermark to follow the clock");
            var old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
            await ProduceAsync(producer, $$"""{"eventId":"late-1","type":"message","shopId":"{{Shop}}","ts":{{old}},"conversationId":"c-late","channel":"chat","sender":"customer"}""", timeout);

            foreach (var (condition, what) in new[]
            {
                ("sum(monitor_late_events_total) > 0", "the late event"),
                ("sum(monitor_events_invalid_total) > 0", "the invalid event"),
                ("sum(monitor_influx_points_written_total) > 0", "points written to InfluxDB"),
                ("sum(monitor_kafka_consumer_lag_messages) >= 0", "consumer lag"),
                ("sum(monitor_alert_notifications_total{outcome=\"sent\"}) > 0", "an alert notification sent"),
                ("count_over_time(up{job=\"monitor\"}[1m]) >= 15 and up{job=\"monitor\"} == 1", "15 scrapes with the monitor up"),
            })
            {
                await WaitAsync(async () => (await Prometheus.QueryAsync(condition)).GetProperty("result").GetArrayLength() > 0, $"Prometheus to see {what} ({condition})");
            }
        }

        /// <summary>Every sample name on the monitor's /metrics (histograms as <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</summary>
        public async Task<HashSet<string>> ExportedSampleNamesAsync()
        {
            var text = await _http.GetStringAsync($"{_metricsUrl}/metrics");
            return text.Split('\n')
                .Where(line => line.Length > 0 && !line.StartsWith('#'))
                .Select(line => line[..line.IndexOfAny(['{', ' '])])
                .ToHashSet(StringComparer.Ordinal);
        }

        public async Task DisposeAsync()
        {
            if (Prometheus is not null)
            {
                await Prometheus.DisposeAsync();
            }

            if (_app is not null)
            {
                await _app.StopAsync(CancellationToken.None);
                await _app.DisposeAsync();
            }

            if (_receiver is not null)
            {
                await _receiver.DisposeAsync();
            }

            if (_influx is not null)
            {
                await _influx.DisposeAsync();
            }

            _cluster?.Dispose();
            _http.Dispose();
        }

        private async Task<double> WatermarkLagAsync()
        {
            var text = await _http.GetStringAsync($"{_metricsUrl}/metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("monitor_watermark_lag_seconds ", StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line["monitor_watermark_lag_seconds ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        private async Task<bool> MetricsContainAsync(string line) => (await _http.GetStringAsync($"{_metricsUrl}/metrics")).Contains(line, StringComparison.Ordinal);

        private static Task ProduceAsync(IProducer<string, byte[]> producer, string value, CancellationToken cancellationToken) =>
            producer.ProduceAsync("chats", new Message<string, byte[]> { Key = Shop, Value = Encoding.UTF8.GetBytes(value) }, cancellationToken);

        private static async Task WaitAsync(Func<Task<bool>> condition, string what)
        {
            var waited = Stopwatch.StartNew();
            while (!await condition())
            {
                if (waited.Elapsed > Patience)
                {
                    throw new TimeoutException($"timed out after {Patience.TotalSeconds} s waiting for {what}");
                }

                await Task.Delay(250);
            }
        }
    }
}
