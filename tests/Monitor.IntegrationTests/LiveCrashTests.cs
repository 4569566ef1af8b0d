using System.Diagnostics;
using Confluent.Kafka;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Servers;
using Monitor.Simulation;
using Xunit.Abstractions;
using static Monitor.IntegrationTests.Servers.MonitorChild;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 13, item 13: SIGKILL at three points of a live stream (events produced in real time, the
/// monitor at the head of the topics, not catching up on a backlog) and once during the look-back
/// rebuild itself. Each time the process is started again at once in the same group. Its InfluxDB
/// contents (every series, every point, the alert history) must equal those of an uninterrupted
/// instance of another group that read the same live stream beside it.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class LiveCrashTests(InfluxFixture influx, ITestOutputHelper output)
{
    private const int Partitions = 4;
    private const double EventsPerSecond = 400;

    [Fact]
    public async Task SigkillAtThreePointsOfALiveStream_AndDuringTheRebuild_WritesWhatAnUninterruptedInstanceWrites()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: Partitions);
        await influx.Server.CreateDatabaseAsync("live_reference", timeout);
        await influx.Server.CreateDatabaseAsync("live_killed", timeout);
        var directory = Directory.CreateTempSubdirectory("live-crash-").FullName;
        MonitorChild? reference = null;
        MonitorChild? killed = null;
        try
        {
            reference = await StartAsync(cluster.BootstrapServers, influx.Server.Url, "live_reference", "live-reference", directory, timeout);
            killed = await StartAsync(cluster.BootstrapServers, influx.Server.Url, "live_killed", "live-killed", directory, timeout);

            // 90 s of traffic stamped from now on, produced as it happens. One message per batch,
            // so a rebuild takes one fetch per message and lasts long enough to be interrupted.
            // No evening surge: stamped with the wall clock, the load would otherwise be four times
            // higher from 21:30 to 02:30 China time than at other hours of the day.
            var start = DateTimeOffset.UtcNow.AddSeconds(2);
            var duration = TimeSpan.FromSeconds(90);
            var events = new Double11Scenario()
                .Generate(new SimulationOptions { Seed = 13, Shops = 30, EventsPerSecond = EventsPerSecond, SurgeFactor = 1, Start = start, Duration = duration })
                .ToArray();
            var lastEventMs = events.Max(e => e.TimestampMs);
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 0, BatchNumMessages = 1 }).Build();
            var producing = SimulationPublisher.PublishAsync(events, producer, speed: 1, TimeProvider.System, progress: null, timeout);

            var kills = new List<string>();
            var wall = Stopwatch.StartNew();
            var restartedAt = TimeSpan.Zero;
            foreach (var at in new[] { 20, 40, 65 })
            {
                // Live: the stream is running and the instance has caught up with it. A restart
                // waits out the dead member's session, rebuilds, then reads what arrived meanwhile
                // one message per fetch (about 35 s on a slow machine), so the deadline counts
                // from the later of the kill point and the last restart.
                var deadline = TimeSpan.FromSeconds(Math.Max(at, restartedAt.TotalSeconds) + 90);
                while (wall.Elapsed < TimeSpan.FromSeconds(at) || !await CaughtUpAsync(killed, timeout))
                {
                    Assert.False(killed.Process.HasExited, $"monitor exited:\n{killed.Output}");
                    if (wall.Elapsed > deadline)
                    {
                        var lines = (await killed.ScrapeAsync(timeout)).Split('\n').Where(l => l.StartsWith("monitor_kafka", StringComparison.Ordinal) || l.StartsWith("monitor_events", StringComparison.Ordinal) || l.StartsWith("monitor_influx_points", StringComparison.Ordinal));
                        Assert.Fail($"not caught up {deadline.TotalSeconds:N0} s in (kills so far: {string.Join("; ", kills)}):\n{string.Join("\n", lines)}\n{killed.Output}");
                    }

                    await Task.Delay(100, timeout);
                }

                var scrape = await killed.ScrapeAsync(timeout);
                await killed.KillAsync(timeout);
                await killed.DisposeAsync();
                kills.Add($"live at {wall.Elapsed.TotalSeconds:N0} s ({Sum(scrape, "monitor_events_consumed_total"):N0} consumed, {Sum(scrape, "monitor_influx_points_written_total"):N0} points written)");
                killed = await StartAsync(cluster.BootstrapServers, influx.Server.Url, "live_killed", "live-killed", directory, timeout, waitReady: false);
                restartedAt = wall.Elapsed;

                if (at == 40)
                {
                    // Once more, in the middle of the rebuild this restart does on assignment (a quarter of it read).
                    var committed = Committed(cluster.BootstrapServers, "live-killed", Partitions);
                    double replayed;
                    while ((replayed = Sum(await killed.ScrapeAsync(timeout), "monitor_events_replayed_total")) < committed / 4)
                    {
                        Assert.False(killed.Process.HasExited, $"monitor exited:\n{killed.Output}");
                        await Task.Delay(10, timeout);
                    }

                    await killed.KillAsync(timeout);
                    await killed.DisposeAsync();
                    Assert.True(replayed < committed, $"the rebuild was over ({replayed:N0} of {committed:N0} committed events re-read) before the kill");
                    kills.Add($"rebuilding at {wall.Elapsed.TotalSeconds:N0} s ({replayed:N0} of {committed:N0} committed events re-read)");
                    killed = await StartAsync(cluster.BootstrapServers, influx.Server.Url, "live_killed", "live-killed", directory, timeout, waitReady: false);
                    restartedAt = wall.Elapsed;
                }
            }

            Assert.Equal(events.Length, await producing);

            // Every boundary up to the cutoff is written by both once their watermarks pass it.
            var cutoffMs = lastEventMs + 10_000;
            foreach (var run in new[] { reference, killed })
            {
                await WaitUntilWrittenThroughAsync(run, cutoffMs, timeout);
            }

            output.WriteLine($"{events.Length:N0} events over {duration.TotalSeconds:N0} s; killed {string.Join("; ", kills)}; all done after {wall.Elapsed.TotalSeconds:N0} s");
            var expected = await influx.Server.ContentsAsync("live_reference", cutoffMs, cancellationToken: timeout);
            var actual = await influx.Server.ContentsAsync("live_killed", cutoffMs, cancellationToken: timeout);
            output.WriteLine($"{expected.Count:N0} points up to the cutoff, {expected.Count(p => p.StartsWith("alerts,", StringComparison.Ordinal)):N0} of them alert changes");
            Assert.True(expected.Count > 5_000, $"expected a real run, got {expected.Count} points");

            var missing = expected.Except(actual).Order(StringComparer.Ordinal).ToArray();
            var extra = actual.Except(expected).Order(StringComparer.Ordinal).ToArray();
            Assert.True(missing.Length == 0 && extra.Length == 0,
                $"{missing.Length} points missing after the kills, {extra.Length} extra or different:\n" +
                string.Join("\n", missing.Take(10).Select(p => "- " + p).Concat(extra.Take(10).Select(p => "+ " + p))));
        }
        finally
        {
            foreach (var run in new[] { reference, killed })
            {
                if (run is not null)
                {
                    await run.DisposeAsync();
                }
            }

            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    /// <summary>Consuming, writing, and less than a second of traffic behind the heads of the partitions (the lag gauge is refreshed once a second).</summary>
    private static async Task<bool> CaughtUpAsync(MonitorChild run, CancellationToken timeout)
    {
        var scrape = await run.ScrapeAsync(timeout);
        return Sum(scrape, "monitor_events_consumed_total") > 0
            && Sum(scrape, "monitor_kafka_consumer_lag_messages", fallback: double.MaxValue) < EventsPerSecond
            && Sum(scrape, "monitor_influx_points_written_total") > 0;
    }

    /// <summary>Waits until the watermark has passed <paramref name="cutoffMs"/> and the InfluxDB buffer is empty, with nothing failed, dropped or late.</summary>
    private static async Task WaitUntilWrittenThroughAsync(MonitorChild run, long cutoffMs, CancellationToken timeout)
    {
        while (true)
        {
            var scrape = await run.ScrapeAsync(timeout);
            var lag = Sum(scrape, "monitor_watermark_lag_seconds", fallback: double.MaxValue);
            var watermarkMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (lag * 1000);
            if (watermarkMs > cutoffMs + 10_000 && Sum(scrape, "monitor_influx_points_buffered") == 0)
            {
                Assert.Equal(0, Sum(scrape, "monitor_influx_points_failed_total"));
                Assert.Equal(0, Sum(scrape, "monitor_influx_points_dropped_total"));
                Assert.Equal(0, Sum(scrape, "monitor_late_events_total"));
                return;
            }

            Assert.False(run.Process.HasExited, $"monitor exited:\n{run.Output}");
            await Task.Delay(250, timeout);
        }
    }
}
