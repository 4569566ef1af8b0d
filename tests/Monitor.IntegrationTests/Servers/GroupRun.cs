using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Hosting;
using Monitor.Influx;
using Monitor.Kafka;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Simulation;

namespace Monitor.IntegrationTests.Servers;

/// <summary>One point as a test compares it: its shop, its series (measurement and tags), its boundary and its whole line.</summary>
public readonly record struct CapturedPoint(string Shop, string Series, long TimestampMs, string Line);

/// <summary>A point sink that keeps every point it is given, for comparing instances.</summary>
public sealed class CapturingSink : IPointSink
{
    private readonly ConcurrentQueue<CapturedPoint> _points = new();

    public IReadOnlyCollection<CapturedPoint> Points => _points;

    public ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        foreach (var point in points)
        {
            var series = point.Measurement + "," + string.Join(",", point.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            _points.Enqueue(new CapturedPoint(point.Tag("shop") ?? "", series, point.TimestampMs, LineProtocol.Format(point)));
        }

        return ValueTask.CompletedTask;
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// One live instance of a consumer group on a fake clock that stands still while events flow,
/// so only event time moves the watermark and a run's output depends on the events alone; the
/// test moves the clock past the last event at the end to flush the last boundaries.
/// </summary>
public sealed class GroupInstance : IAsyncDisposable
{
    private bool _stopped;

    private GroupInstance(string name, string bootstrapServers, string group, WebApplication app, FakeTimeProvider clock, CapturingSink sink)
    {
        Name = name;
        BootstrapServers = bootstrapServers;
        Group = group;
        App = app;
        Clock = clock;
        Sink = sink;
        Metrics = app.Services.GetRequiredService<MonitorMetrics>();
        Health = app.Services.GetRequiredService<ConsumerHealth>();
    }

    public string Name { get; }

    public string BootstrapServers { get; }

    public string Group { get; }

    public WebApplication App { get; }

    public FakeTimeProvider Clock { get; }

    public CapturingSink Sink { get; }

    public MonitorMetrics Metrics { get; }

    public ConsumerHealth Health { get; }

    public bool Stopped => _stopped;

    /// <summary>Messages read from Kafka (not counting look-back re-reads), all topics.</summary>
    public double Consumed => Topics.Sum(t => Metrics.EventsConsumed.WithLabels(t).Value);

    public double Replayed => Topics.Sum(t => Metrics.EventsReplayed.WithLabels(t).Value);

    public double Duplicates => Topics.Sum(t => Metrics.EventsDuplicate.WithLabels(t).Value);

    public double Late => Topics.Sum(t => Metrics.EventsLate.WithLabels(t).Value);

    /// <summary>Messages delivered for partitions already revoked, and skipped.</summary>
    public double NotOwned => Metrics.EventsNotOwned.Value;

    public static readonly string[] Topics = ["chats", "calls", "orders", "agents"];

    public static async Task<GroupInstance> StartAsync(string name, string bootstrapServers, string group, DateTimeOffset clockAt, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? extra = null)
    {
        var clock = new FakeTimeProvider(clockAt);
        var sink = new CapturingSink();
        var settings = new Dictionary<string, string>
        {
            ["auto.commit.interval.ms"] = "500",
            ["session.timeout.ms"] = "6000",
            ["heartbeat.interval.ms"] = "500",
            ["client.id"] = $"monitor-{name}",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var options = new LiveOptions
        {
            Kafka = new KafkaSourceOptions { BootstrapServers = bootstrapServers, GroupId = group, BrokerHasTimeIndex = false, Extra = settings },
            Engine = new EngineOptions(),
            MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
            MaxFutureSkew = TimeSpan.FromDays(1),
            AlertRules = new AlertRuleSet([AlertingFixtures.ChatBacklogRule()], []),
        };
        var app = LiveHost.Build(options, HostClocks.WithEvents(clock), logging: logging => logging.SetMinimumLevel(LogLevel.Warning), sinks: [sink]);
        await app.StartAsync(cancellationToken);
        return new GroupInstance(name, bootstrapServers, group, app, clock, sink);
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}

/// <summary>A fixed set of simulated events and the helpers to produce it and compare runs over it.</summary>
public static class GroupRun
{
    /// <summary>Event time of the first event: an arbitrary fixed instant (the instances' clocks are fake).</summary>
    public static readonly DateTimeOffset Start = new(2026, 6, 18, 20, 0, 0, TimeSpan.Zero);

    /// <summary>Where the instances' clocks stand while events flow: before every event, so the clock never moves the watermark.</summary>
    public static DateTimeOffset ClockWhileRunning => Start - TimeSpan.FromMinutes(1);

    public static IReadOnlyList<SimulatedEvent> Events(TimeSpan duration, int shops = 40, double eventsPerSecond = 80) =>
        new Double11Simulation(new SimulationOptions
        {
            Seed = 6,
            Shops = shops,
            Start = Start,
            Duration = duration,
            EventsPerSecond = eventsPerSecond,
        }).Run().ToList();

    /// <summary>Consecutive slices of the events spanning at most <paramref name="span"/> of event time each.</summary>
    public static IEnumerable<SimulatedEvent[]> Chunks(IReadOnlyList<SimulatedEvent> events, TimeSpan span)
    {
        var spanMs = (long)span.TotalMilliseconds;
        var chunk = new List<SimulatedEvent>();
        foreach (var e in events)
        {
            if (chunk.Count > 0 && e.TimestampMs - chunk[0].TimestampMs >= spanMs)
            {
                yield return chunk.ToArray();
                chunk.Clear();
            }

            chunk.Add(e);
        }

        if (chunk.Count > 0)
        {
            yield return chunk.ToArray();
        }
    }

    public static IProducer<string, byte[]> Producer(string bootstrapServers) =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
        }).Build();

    /// <summary>Produces a chunk (key = shop) and waits until every message is acknowledged.</summary>
    public static void Produce(IProducer<string, byte[]> producer, IEnumerable<SimulatedEvent> chunk)
    {
        var failures = 0;
        foreach (var e in chunk)
        {
            producer.Produce(e.Topic, new Message<string, byte[]> { Key = e.Key, Value = e.Json }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failures);
                }
            });
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        Assert.Equal(0, Volatile.Read(ref failures));
    }

    /// <summary>
    /// True when the running instances report, between them, a consumer lag for every partition
    /// (a partition reports once its position is known, and stops when it is revoked) and each reads 0.
    /// </summary>
    private static bool Drained(IReadOnlyList<GroupInstance> running, int partitions)
    {
        var reported = 0;
        foreach (var instance in running)
        {
            foreach (var labels in instance.Metrics.ConsumerLag.GetAllLabelValues())
            {
                reported++;
                if (instance.Metrics.ConsumerLag.WithLabels(labels).Value != 0)
                {
                    return false;
                }
            }
        }

        return reported == partitions;
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; fails after <paramref name="limit"/>.</summary>
    public static async Task Until(Func<bool> condition, TimeSpan limit, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// After the last event: waits until the running instances stop reading (no counter moved for
    /// a second), own every partition and have read each to its end, then moves their clocks to <paramref name="finalClock"/>
    /// so the watermark passes the last boundaries, waits for that, and stops them.
    /// </summary>
    public static async Task FinishAsync(IReadOnlyList<GroupInstance> instances, int partitions, DateTimeOffset finalClock, CancellationToken cancellationToken)
    {
        var running = instances.Where(i => !i.Stopped).ToList();
        var last = -1.0;
        var still = Stopwatch.StartNew();
        await Until(
            () =>
            {
                // A second without a counter moving is no proof on a loaded machine: every partition
                // must also be read to its end, or moving the clocks makes what is unread late.
                var now = running.Sum(i => i.Consumed + i.Replayed);
                if (now != last || running.Sum(i => i.Health.AssignedPartitions) != partitions || !Drained(running, partitions))
                {
                    last = now;
                    still.Restart();
                }

                return still.Elapsed > TimeSpan.FromSeconds(1);
            },
            TimeSpan.FromSeconds(30),
            "the group to settle",
            cancellationToken);

        var lateness = new EngineOptions().AllowedLateness.TotalSeconds;
        foreach (var instance in running)
        {
            instance.Clock.Advance(finalClock - instance.Clock.GetUtcNow());
        }

        await Until(() => running.All(i => i.Metrics.WatermarkLag.Value <= lateness + 0.001), TimeSpan.FromSeconds(20), "the watermark at the final clock", cancellationToken);
        foreach (var instance in running)
        {
            await instance.StopAsync();
        }
    }

    /// <summary>
    /// Compares the union of the instances' points with the reference, shop by shop. A series and
    /// boundary written by more than one instance (a partition that moved) must have the same line
    /// every time (InfluxDB keeps the last write). Returns the number of such repeated writes.
    /// </summary>
    public static int AssertSameOutput(IReadOnlyCollection<CapturedPoint> reference, IEnumerable<GroupInstance> instances, long cutoffMs)
    {
        var expected = Distinct(reference, cutoffMs, out _);
        var writes = instances.SelectMany(i => i.Sink.Points.Select(p => (i.Name, Point: p))).Where(w => w.Point.TimestampMs <= cutoffMs).ToList();
        var conflicts = writes.GroupBy(w => (w.Point.Shop, w.Point.Series, w.Point.TimestampMs)).Where(g => g.Select(w => w.Point.Line).Distinct().Count() > 1).ToList();
        Assert.True(
            conflicts.Count == 0,
            $"{conflicts.Count} series and boundaries written with different values, first: expected {(conflicts.Count > 0 ? expected.GetValueOrDefault(conflicts[0].Key) : "")}; " +
            string.Join(" | ", conflicts.Take(1).SelectMany(g => g.Select(w => $"{w.Name}: {w.Point.Line}"))) +
            $"; instances late {string.Join("/", instances.Select(i => i.Late))}, not owned {string.Join("/", instances.Select(i => i.NotOwned))}, duplicates {string.Join("/", instances.Select(i => i.Duplicates))}");
        var actual = Distinct(writes.Select(w => w.Point).ToList(), cutoffMs, out var repeats);
        var missing = expected.Keys.Except(actual.Keys).ToList();
        var extra = actual.Keys.Except(expected.Keys).ToList();
        var different = expected.Keys.Intersect(actual.Keys).Where(k => expected[k] != actual[k]).ToList();
        if (missing.Count + extra.Count + different.Count > 0)
        {
            var shops = missing.Concat(extra).Concat(different).Select(k => k.Shop).Distinct().Order().ToList();
            Assert.Fail(
                $"output differs from the single instance's in {shops.Count} shops ({string.Join(", ", shops.Take(8))}): " +
                $"{missing.Count} points missing (first {Describe(missing.Take(3))}), {extra.Count} extra (first {Describe(extra.Take(3))}), " +
                $"{different.Count} with other values (first {string.Join(" | ", different.Take(2).Select(k => $"expected {expected[k]} got {actual[k]}"))})");
        }

        return repeats;
    }

    private static string Describe(IEnumerable<(string Shop, string Series, long Ts)> keys) =>
        string.Join("; ", keys.Select(k => $"{k.Series}@{DateTimeOffset.FromUnixTimeMilliseconds(k.Ts):HH:mm:ss}"));

    private static Dictionary<(string Shop, string Series, long Ts), string> Distinct(IReadOnlyCollection<CapturedPoint> points, long cutoffMs, out int repeats)
    {
        var result = new Dictionary<(string, string, long), string>();
        repeats = 0;
        foreach (var point in points.Where(p => p.TimestampMs <= cutoffMs))
        {
            var key = (point.Shop, point.Series, point.TimestampMs);
            if (result.TryGetValue(key, out var line))
            {
                repeats++;
                Assert.True(line == point.Line, $"two different values for one series and boundary: {line} | {point.Line}");
                continue;
            }

            result[key] = point.Line;
        }

        return result;
    }
}
