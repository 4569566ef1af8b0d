using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Simulation;
using Xunit.Abstractions;

using static Monitor.IntegrationTests.Servers.MonitorChild;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 6, "restart equivalence": a <c>monitor run</c> process killed with SIGKILL mid-stream and
/// started again writes the same InfluxDB contents (every series, every point, the <c>alerts</c>
/// history included) as an uninterrupted run over the same events. The killed process loses what
/// sat in its InfluxDB buffer and its uncommitted offsets; the restart re-reads the look-back and
/// the uncommitted tail, and re-emits every boundary since.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class CrashRestartTests(InfluxFixture influx, ITestOutputHelper output)
{
    [Fact]
    public async Task SigkillMidStream_ThenRestart_WritesTheSameInfluxContentsAndAlertHistory_AsAnUninterruptedRun()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 4);

        // 20 minutes of Double-11 traffic ending two minutes ago: inside the look-back, none of it late.
        var now = DateTimeOffset.UtcNow;
        var events = new Double11Scenario()
            .Generate(new SimulationOptions { Seed = 61, Shops = 30, EventsPerSecond = 150, SurgeFactor = 1, Start = now.AddMinutes(-22), Duration = TimeSpan.FromMinutes(20) })
            .ToArray();
        var lastEventMs = events.Max(e => e.TimestampMs);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 20 }).Build())
        {
            var produced = await SimulationPublisher.PublishAsync(events, producer, speed: 0, TimeProvider.System, progress: null, timeout);
            Assert.Equal(events.Length, produced);
        }

        // Every boundary up to here was emitted by both runs before they were stopped.
        var cutoffMs = lastEventMs + 60_000;

        var reference = await RunToEndAsync(cluster, "crash_reference", "crash-reference", killAfter: null, timeout);
        var restarted = await RunToEndAsync(cluster, "crash_killed", "crash-killed", killAfter: events.Length / 8, timeout);
        output.WriteLine($"{events.Length:N0} events; reference run {reference.Elapsed.TotalSeconds:N1} s; killed after {restarted.ConsumedAtKill:N0} consumed " +
            $"({restarted.CommittedAtKill:N0} committed, {restarted.WrittenAtKill:N0} points written), restarted run {restarted.Elapsed.TotalSeconds:N1} s, " +
            $"{restarted.ReplayedAfterRestart:N0} events re-read to rebuild");

        // The kill really came mid-stream, after some points had reached InfluxDB.
        Assert.InRange(restarted.CommittedAtKill, 1, events.Length - 1);
        Assert.True(restarted.WrittenAtKill > 0, "nothing had reached InfluxDB before the kill");
        Assert.True(restarted.ReplayedAfterRestart > 0, "the restart rebuilt nothing from the look-back");

        var expected = await influx.Server.ContentsAsync("crash_reference", cutoffMs, cancellationToken: timeout);
        var actual = await influx.Server.ContentsAsync("crash_killed", cutoffMs, cancellationToken: timeout);
        output.WriteLine($"{expected.Count:N0} points up to the cutoff, {expected.Count(p => p.StartsWith("alerts,", StringComparison.Ordinal)):N0} of them alert changes");
        Assert.True(expected.Count > 10_000, $"expected a real run, got {expected.Count} points");
        Assert.Contains(expected, p => p.StartsWith("alerts,", StringComparison.Ordinal));

        var missing = expected.Except(actual).Order(StringComparer.Ordinal).ToArray();
        var extra = actual.Except(expected).Order(StringComparer.Ordinal).ToArray();
        Assert.True(missing.Length == 0 && extra.Length == 0,
            $"{missing.Length} points missing after the restart, {extra.Length} extra or different:\n" +
            string.Join("\n", missing.Take(10).Select(p => "- " + p).Concat(extra.Take(10).Select(p => "+ " + p))));
    }

    private async Task<RunResult> RunToEndAsync(EmbeddedKafkaCluster cluster, string database, string group, long? killAfter, CancellationToken timeout)
    {
        await influx.Server.CreateDatabaseAsync(database, timeout);
        var directory = Directory.CreateTempSubdirectory("crash-restart-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var result = new RunResult();
            if (killAfter is { } threshold)
            {
                var first = await MonitorChild.StartAsync(cluster.BootstrapServers, influx.Server.Url, database, group, directory, timeout);
                await using (first)
                {
                    while (true)
                    {
                        // Mid-stream, once some offsets are committed and some points written
                        // (both happen on timers, so wait for them rather than for a count alone).
                        var scrape = await first.ScrapeAsync(timeout);
                        if (Sum(scrape, "monitor_events_consumed_total") >= threshold
                            && Sum(scrape, "monitor_influx_points_written_total") > 0
                            && MonitorChild.Committed(cluster.BootstrapServers, group, 4) > 0)
                        {
                            await first.KillAsync(timeout);
                            result.ConsumedAtKill = (long)Sum(scrape, "monitor_events_consumed_total");
                            result.WrittenAtKill = (long)Sum(scrape, "monitor_influx_points_written_total");
                            break;
                        }

                        await Task.Delay(50, timeout);
                    }
                }

                result.CommittedAtKill = MonitorChild.Committed(cluster.BootstrapServers, group, 4);
            }

            var monitor = await MonitorChild.StartAsync(cluster.BootstrapServers, influx.Server.Url, database, group, directory, timeout);
            await using (monitor)
            {
                // Done when the watermark has followed the clock past every event (all partitions
                // idle) and the InfluxDB buffer is empty.
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    var scrape = await monitor.ScrapeAsync(timeout);
                    var lag = Sum(scrape, "monitor_watermark_lag_seconds", fallback: double.MaxValue);
                    if (lag < 45 && Sum(scrape, "monitor_influx_points_buffered") == 0 && Sum(scrape, "monitor_influx_points_written_total") > 0)
                    {
                        Assert.Equal(0, Sum(scrape, "monitor_influx_points_failed_total"));
                        Assert.Equal(0, Sum(scrape, "monitor_influx_points_dropped_total"));
                        Assert.Equal(0, Sum(scrape, "monitor_late_events_total"));
                        result.ReplayedAfterRestart = (long)Sum(scrape, "monitor_events_replayed_total");
                        break;
                    }

                    Assert.False(monitor.Process.HasExited, $"monitor exited with {(monitor.Process.HasExited ? monitor.Process.ExitCode : 0)}:\n{monitor.Output}");
                    Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"{database}: the run did not finish; last scrape:\n{scrape}\n{monitor.Output}");
                    await Task.Delay(200, timeout);
                }
            }

            result.Elapsed = clock.Elapsed;
            return result;
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    private sealed class RunResult
    {
        public TimeSpan Elapsed { get; set; }

        public long ConsumedAtKill { get; set; }

        public long WrittenAtKill { get; set; }

        public long CommittedAtKill { get; set; }

        public long ReplayedAfterRestart { get; set; }
    }
}
