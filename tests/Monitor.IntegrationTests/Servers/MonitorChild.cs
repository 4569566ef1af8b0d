using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Monitor.Servers;

namespace Monitor.IntegrationTests.Servers;

/// <summary>A <c>monitor run</c> child process (the test output holds monitor.dll) and where it serves /metrics.</summary>
internal sealed class MonitorChild : IAsyncDisposable
{
    private MonitorChild(Process process, OutputTail output, Uri metrics)
    {
        Process = process;
        Output = output;
        Metrics = metrics;
    }

    public Process Process { get; }

    public OutputTail Output { get; }

    public Uri Metrics { get; }

    /// <summary>
    /// Starts <c>monitor run</c> against the embedded broker and a real influxd with the shipped
    /// rules, short commit and session timers (a killed member's partitions move on after 6 s),
    /// and, with <paramref name="waitReady"/>, waits for /readyz.
    /// </summary>
    public static async Task<MonitorChild> StartAsync(string bootstrapServers, Uri influx, string database, string group, string directory, CancellationToken timeout, bool waitReady = true)
    {
        var port = FreeTcpPort.Next();
        var rules = Path.Combine(AppContext.BaseDirectory, "config", "rules.yaml");
        var settings = Path.Combine(directory, $"monitor-{port}.yaml");
        await File.WriteAllTextAsync(settings, $"""
            kafka:
              bootstrapServers: {bootstrapServers}
              groupId: {group}
              timeIndex: false
              properties:
                auto.commit.interval.ms: "500"
                session.timeout.ms: "6000"     # the killed member's partitions move on after this
                heartbeat.interval.ms: "1000"
            influx:
              url: {influx}
              database: {database}
              flushInterval: 500ms
            alerting:
              rules: {rules}
            metrics:
              listen: http://127.0.0.1:{port}
            """, timeout);
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "monitor.dll"), "run", "--config", settings])
        {
            WorkingDirectory = directory,
        };
        var (process, output) = ServerProcess.Start(start);
        var child = new MonitorChild(process, output, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            var ready = waitReady ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.ServiceUnavailable;
            await ServerProcess.WaitUntilReadyAsync(process, output, new Uri(child.Metrics, "readyz"), ready, TimeSpan.FromSeconds(60), timeout);
        }
        catch
        {
            await ServerProcess.StopAsync(process);
            throw;
        }

        return child;
    }

    /// <summary>SIGKILL: no flush, no commit, no goodbye.</summary>
    public async Task KillAsync(CancellationToken timeout)
    {
        Process.Kill();
        await Process.WaitForExitAsync(timeout);
    }

    public async Task<string> ScrapeAsync(CancellationToken timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(new Uri(Metrics, "metrics"), timeout);
    }

    public ValueTask DisposeAsync() => new(ServerProcess.StopAsync(Process, graceful: !Process.HasExited));

    /// <summary>Sum of every sample of <paramref name="metric"/> in a Prometheus text scrape (<paramref name="fallback"/> when absent).</summary>
    public static double Sum(string scrape, string metric, double fallback = 0)
    {
        double? sum = null;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && (line[metric.Length] == ' ' || line[metric.Length] == '{'))
            {
                sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum ?? fallback;
    }

    /// <summary>The group's committed offsets summed over the four topics' <paramref name="partitions"/> partitions.</summary>
    public static long Committed(string bootstrapServers, string group, int partitions)
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = group }).Build();
        var all = GroupInstance.Topics.SelectMany(topic => Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p))).ToList();
        return reader.Committed(all, TimeSpan.FromSeconds(10)).Sum(p => p.Offset.IsSpecial ? 0 : p.Offset.Value);
    }
}
