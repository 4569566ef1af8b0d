using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Kafka;
using Monitor.Servers;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// The shipped Prometheus configuration (deploy/prometheus/prometheus.yml) and health rules
/// (monitor-rules.yml) with a real Prometheus and a real Alertmanager: a health alert leaves
/// Prometheus and reaches a receiver. Only addresses, the intervals and MonitorDown's `for` are
/// changed for the test (promtool's tests in monitor-rules.test.yml pin the `for` itself).
/// </summary>
public sealed class HealthAlertRoutingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MonitorDown_ReachesAWebhookThroughAlertmanager_WhenTheMonitorStops()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var deploy = Path.Combine(DeployArtifactTests.RepoRoot(), "deploy", "prometheus");
        var directory = Directory.CreateTempSubdirectory("monitor-health-routing-").FullName;
        try
        {
            using var cluster = EmbeddedKafkaCluster.Start(partitions: 1);
            await using var receiver = new WebhookReceiver();
            await using var alertmanager = await AlertmanagerServer.StartAsync(
                $"""
                route:
                  receiver: hook
                  group_by: [alertname]
                  group_wait: 0s
                  group_interval: 1s
                receivers:
                  - name: hook
                    webhook_configs:
                      - url: {receiver.Url}
                """,
                timeout.Token);

            var metricsPort = FreeTcpPort.Next();
            var monitor = LiveHost.Build(
                new LiveOptions
                {
                    Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "health-routing" },
                    Engine = new EngineOptions { SourceIdleAfter = TimeSpan.FromSeconds(1) },
                    MetricsUrl = $"http://127.0.0.1:{metricsPort}",
                },
                HostClocks.System,
                logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
            await monitor.StartAsync(timeout.Token);

            // The shipped files, pointed at this test's monitor, Alertmanager and rule file.
            var rules = Replace(await File.ReadAllTextAsync(Path.Combine(deploy, "monitor-rules.yml")), MonitorDownFor, MonitorDownFor.Replace("for: 1m", "for: 2s", StringComparison.Ordinal));
            var rulesPath = Path.Combine(directory, "monitor-rules.yml");
            await File.WriteAllTextAsync(rulesPath, rules, timeout.Token);
            var config = await File.ReadAllTextAsync(Path.Combine(deploy, "prometheus.yml"));
            config = Replace(config, "scrape_interval: 15s", "scrape_interval: 1s\n  evaluation_interval: 1s");
            config = Replace(config, "/etc/prometheus/monitor-rules.yml", rulesPath);
            config = Replace(config, "\"monitor:9464\"", $"\"127.0.0.1:{metricsPort}\"");
            config = Replace(config, "\"alertmanager:9093\"", $"\"{alertmanager.Url.Authority}\"");
            await using var prometheus = await PrometheusServer.StartAsync(config, timeout.Token);

            // Up first: nothing fires while the monitor is scraped.
            await WaitAsync(async () => (await prometheus.QueryAsync("up{job=\"monitor\"} == 1")).GetProperty("result").GetArrayLength() > 0, "the monitor scraped as up", timeout.Token);
            Assert.DoesNotContain(receiver.Bodies, body => body.ToString().Contains("MonitorDown", StringComparison.Ordinal));

            var stopped = Stopwatch.StartNew();
            await monitor.StopAsync(timeout.Token);
            await monitor.DisposeAsync();

            var body = await receiver.WaitForAsync(
                b => b.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MonitorDown"),
                TimeSpan.FromSeconds(60),
                "MonitorDown at the webhook");
            var alert = body.GetProperty("alerts").EnumerateArray().First(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MonitorDown");
            Assert.Equal("firing", alert.GetProperty("status").GetString());
            Assert.Equal("critical", alert.GetProperty("labels").GetProperty("severity").GetString());
            Assert.Equal($"127.0.0.1:{metricsPort}", alert.GetProperty("labels").GetProperty("instance").GetString());
            output.WriteLine($"MonitorDown at the webhook {stopped.Elapsed.TotalSeconds:0.0} s after the monitor stopped (scrape and evaluation 1 s, for 2 s)");
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    private const string MonitorDownFor = """
        expr: up{job="monitor"} == 0 or absent(up{job="monitor"})
                for: 1m
        """;

    /// <summary>Replaces text that must be in the shipped file (so the test fails if the file changed shape).</summary>
    private static string Replace(string text, string shipped, string replacement)
    {
        Assert.Contains(shipped, text, StringComparison.Ordinal);
        return text.Replace(shipped, replacement, StringComparison.Ordinal);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }
}
