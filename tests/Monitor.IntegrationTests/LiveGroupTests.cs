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
/// Issue 13, item 14: a consumer group of <c>monitor run</c> children on a live stream loses a
/// member to SIGKILL, gains one, and then goes through a broker outage longer than the session
/// timeout (every member's session expires: a real rebalance when the broker is back). The group's
/// InfluxDB contents, per shop, every series and the alert history, must equal those of a single
/// instance that read the same stream, produced at the same moments, from a healthy broker of its own.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class LiveGroupTests(InfluxFixture influx, ITestOutputHelper output)
{
    private const int Partitions = 4;
    private const double EventsPerSecond = 400;

    [Fact]
    public async Task GroupLosingAMemberToSigkill_AndItsSessionsToABrokerOutage_WritesWhatASingleInstanceWrites()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6)).Token;
        using var healthy = EmbeddedKafkaCluster.Start(partitions: Partitions);
        using var faulty = EmbeddedKafkaCluster.Start(partitions: Partitions);
        await influx.Server.CreateDatabaseAsync("group_single", timeout);
        await influx.Server.CreateDatabaseAsync("group_pair", timeout);
        var directory = Directory.CreateTempSubdirectory("live-group-").FullName;
        var runs = new List<MonitorChild>();
        try
        {
            var single = await StartAsync(healthy.BootstrapServers, influx.Server.Url, "group_single", "single", directory, timeout);
            runs.Add(single);
            var first = await StartAsync(faulty.BootstrapServers, influx.Server.Url, "group_pair", "pair", directory, timeout);
            runs.Add(first);
            var second = await StartAsync(faulty.BootstrapServers, influx.Server.Url, "group_pair", "pair", directory, timeout, waitReady: false);
            runs.Add(second);

            var start = DateTimeOffset.UtcNow.AddSeconds(2);
            var events = new Double11Scenario()
                .Generate(new SimulationOptions { Seed = 14, Shops = 30, EventsPerSecond = EventsPerSecond, SurgeFactor = 1, Start = start, Duration = TimeSpan.FromSeconds(90) })
                .ToArray();
            var lastEventMs = events.Max(e => e.TimestampMs);
            using var healthyProducer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = healthy.BootstrapServers, LingerMs = 5 }).Build();
            // Requests in flight when the broker goes down are never answered: a short socket timeout
            // sends them again soon after it is back, so no event reaches the broker later than the
            // 30 s lateness (such an event would be late by design, not by the group's doing).
            using var faultyProducer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = faulty.BootstrapServers, LingerMs = 5, SocketTimeoutMs = 2_000 }).Build();
            var producing = Task.WhenAll(
                SimulationPublisher.PublishAsync(events, healthyProducer, speed: 1, TimeProvider.System, progress: null, timeout),
                SimulationPublisher.PublishAsync(events, faultyProducer, speed: 1, TimeProvider.System, progress: null, timeout));

            var notes = new List<string>();
            var wall = Stopwatch.StartNew();
            await UntilAsync(wall, 25, async () => await AssignedAsync(first) && await AssignedAsync(second), "both members assigned", timeout);
            await first.KillAsync(timeout);
            notes.Add($"member 1 killed at {wall.Elapsed.TotalSeconds:N0} s");

            await UntilAsync(wall, 40, () => Task.FromResult(true), "", timeout);
            var third = await StartAsync(faulty.BootstrapServers, influx.Server.Url, "group_pair", "pair", directory, timeout, waitReady: false);
            runs.Add(third);
            notes.Add($"member 3 joined at {wall.Elapsed.TotalSeconds:N0} s");

            await UntilAsync(wall, 60, async () => await AssignedAsync(second) && await AssignedAsync(third), "members 2 and 3 assigned", timeout);
            var rejoinsBefore = await RebuildsAsync(second) + await RebuildsAsync(third);
            faulty.SetBrokerDown(1);
            notes.Add($"broker down at {wall.Elapsed.TotalSeconds:N0} s");
            await Task.Delay(TimeSpan.FromSeconds(9), timeout); // longer than the 6 s session timeout
            faulty.SetBrokerUp(1);
            notes.Add($"broker up at {wall.Elapsed.TotalSeconds:N0} s");

            var produced = await producing;
            Assert.All(produced, count => Assert.Equal(events.Length, count));

            // Every boundary up to the cutoff is written once the watermarks pass it.
            var cutoffMs = lastEventMs + 10_000;
            foreach (var run in new[] { single, second, third })
            {
                await WaitUntilPastAsync(run, cutoffMs, timeout);
            }

            // The outage cost the members their sessions: each was assigned again and rebuilt.
            var rejoinsAfter = await RebuildsAsync(second) + await RebuildsAsync(third);
            notes.Add($"{rejoinsAfter - rejoinsBefore:N0} events re-read to rebuild after the outage");
            Assert.True(rejoinsAfter > rejoinsBefore, "no member was assigned again after the outage: no rebalance happened");

            output.WriteLine($"{events.Length:N0} events; {string.Join("; ", notes)}; all done after {wall.Elapsed.TotalSeconds:N0} s");
            var expected = await influx.Server.ContentsAsync("group_single", cutoffMs, cancellationToken: timeout);
            var actual = await influx.Server.ContentsAsync("group_pair", cutoffMs, cancellationToken: timeout);
            output.WriteLine($"{expected.Count:N0} points up to the cutoff, {expected.Count(p => p.StartsWith("alerts,", StringComparison.Ordinal)):N0} of them alert changes");
            Assert.True(expected.Count > 5_000, $"expected a real run, got {expected.Count} points");

            var missing = expected.Except(actual).Order(StringComparer.Ordinal).ToArray();
            var extra = actual.Except(expected).Order(StringComparer.Ordinal).ToArray();
            Assert.True(missing.Length == 0 && extra.Length == 0,
                $"{missing.Length} points of the single instance missing from the group's, {extra.Length} extra or different:\n" +
                string.Join("\n", missing.Take(10).Select(p => "- " + p).Concat(extra.Take(10).Select(p => "+ " + p))));
        }
        finally
        {
            foreach (var run in runs)
            {
                await run.DisposeAsync();
            }

            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    /// <summary>Waits until <paramref name="atSeconds"/> of the run have passed and <paramref name="condition"/> holds (a minute more at most).</summary>
    private static async Task UntilAsync(Stopwatch wall, int atSeconds, Func<Task<bool>> condition, string what, CancellationToken timeout)
    {
        while (wall.Elapsed < TimeSpan.FromSeconds(atSeconds) || !await condition())
        {
            Assert.True(wall.Elapsed < TimeSpan.FromSeconds(atSeconds + 60), $"not {what} {atSeconds + 60} s in");
            await Task.Delay(100, timeout);
        }
    }

    private static async Task<bool> AssignedAsync(MonitorChild run)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri(run.Metrics, "readyz"));
        return response.IsSuccessStatusCode;
    }

    /// <summary>Events the member has read again to rebuild state so far (each assignment that needed a rebuild adds its look-back).</summary>
    private static async Task<double> RebuildsAsync(MonitorChild run) =>
        Sum(await run.ScrapeAsync(CancellationToken.None), "monitor_events_replayed_total");

    /// <summary>Waits until the watermark has passed <paramref name="cutoffMs"/> and the InfluxDB buffer is empty, with nothing failed, dropped or late.</summary>
    private static async Task WaitUntilPastAsync(MonitorChild run, long cutoffMs, CancellationToken timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var scrape = await run.ScrapeAsync(timeout);
            var lag = Sum(scrape, "monitor_watermark_lag_seconds", fallback: double.MaxValue);
            var watermarkMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (lag * 1000);
            if (watermarkMs > cutoffMs + 10_000 && Sum(scrape, "monitor_influx_points_buffered") == 0)
            {
                Assert.Equal(0, Sum(scrape, "monitor_influx_points_failed_total"));
                Assert.Equal(0, Sum(scrape, "monitor_influx_points_dropped_total"));
                Assert.True(Sum(scrape, "monitor_late_events_total") == 0, $"{Sum(scrape, "monitor_late_events_total")} late events");
                return;
            }

            Assert.False(run.Process.HasExited, $"monitor exited:\n{run.Output}");
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"the watermark did not pass the cutoff:\n{run.Output}");
            await Task.Delay(250, timeout);
        }
    }
}
