using System.Diagnostics;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Simulation;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// Promise 2 (DESIGN §2): instances in one consumer group over 12 partitions give, together,
/// exactly the per-shop output of a single instance, also when instances join and leave while
/// events flow. Events go out in slices of at most 8 s of event time, each consumed before the
/// next (a live stream), so no event is late in any run; the instances' clocks stand still until
/// the end, when they move past the last event to flush the last boundaries.
/// </summary>
public sealed class ScaleOutTests(ScaleOutTests.Reference reference, ITestOutputHelper output) : IClassFixture<ScaleOutTests.Reference>
{
    private const int Partitions = 12;

    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(8);
    private static readonly DateTimeOffset FinalClock = GroupRun.Start + Duration + TimeSpan.FromMinutes(1);

    /// <summary>The last boundary every run passes: final clock minus the 30 s lateness.</summary>
    private static readonly long CutoffMs = (FinalClock - TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds();

    [Fact]
    public async Task ScaleOut_ThreeInstancesInOneGroup_GiveTheSingleInstanceOutputPerShop()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        var run = Stopwatch.StartNew();
        var group = new List<GroupInstance>();
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, partitions: Partitions);
        try
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                group.Add(await GroupInstance.StartAsync(name, cluster.BootstrapServers, "three", GroupRun.ClockWhileRunning, timeout));
            }

            await GroupRun.Until(() => group.All(i => i.Health.AssignedPartitions > 0) && group.Sum(i => i.Health.AssignedPartitions) == Partitions * 4, TimeSpan.FromSeconds(30), "three instances sharing 48 partitions", timeout);
            var assignedAfter = run.Elapsed;
            var events = await reference.ProduceAsync(cluster, group, onSlice: null, timeout);
            await GroupRun.FinishAsync(group, Partitions * 4, FinalClock, timeout);

            var repeats = GroupRun.AssertSameOutput(reference.Points, group, CutoffMs);
            Assert.Equal(events, group.Sum(i => i.Consumed));
            Assert.Equal(0, group.Sum(i => i.Late));
            output.WriteLine($"reference (1 instance) {reference.Took.TotalSeconds:0.0} s, {reference.Points.Count} points");
            output.WriteLine($"3 instances: assignment {assignedAfter.TotalSeconds:0.0} s, {events} events, points per instance {string.Join("/", group.Select(i => i.Sink.Points.Count))}, repeated writes {repeats}, run {run.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            foreach (var instance in group)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ScaleOut_InstanceJoiningAndLeavingMidStream_ChangesNothingInTheOutput()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        var run = Stopwatch.StartNew();
        var group = new List<GroupInstance>();
        var pauses = new List<string>();
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, partitions: Partitions);
        try
        {
            group.Add(await GroupInstance.StartAsync("a", cluster.BootstrapServers, "join-leave", GroupRun.ClockWhileRunning, timeout));
            await GroupRun.Until(() => group[0].Health.AssignedPartitions == Partitions * 4, TimeSpan.FromSeconds(30), "the first instance assigned", timeout);

            var slices = reference.SliceCount;
            var events = await reference.ProduceAsync(
                cluster,
                group,
                async slice =>
                {
                    if (slice == slices / 3)
                    {
                        // A second instance joins: the first hands it half the partitions, and it rebuilds them.
                        var joined = Stopwatch.StartNew();
                        group.Add(await GroupInstance.StartAsync("b", cluster.BootstrapServers, "join-leave", GroupRun.ClockWhileRunning, timeout));
                        await GroupRun.Until(() => group[1].Health.AssignedPartitions > 0 && group.Sum(i => i.Health.AssignedPartitions) == Partitions * 4, TimeSpan.FromSeconds(30), "the second instance assigned", timeout);
                        pauses.Add($"join {joined.Elapsed.TotalSeconds:0.0} s");
                    }
                    else if (slice == 2 * slices / 3)
                    {
                        // The first leaves: the second takes its partitions over and rebuilds them.
                        var left = Stopwatch.StartNew();
                        await group[0].StopAsync();
                        await GroupRun.Until(() => group[1].Health.AssignedPartitions == Partitions * 4, TimeSpan.FromSeconds(30), "the second instance owning everything", timeout);
                        pauses.Add($"leave {left.Elapsed.TotalSeconds:0.0} s");
                    }
                },
                timeout);
            await GroupRun.FinishAsync(group, Partitions * 4, FinalClock, timeout);

            // Written before the comparison, so a failing run says whether events were late (a boundary emitted too early).
            output.WriteLine($"join and leave: {events} events; {string.Join(", ", pauses)}; consumed {string.Join("/", group.Select(i => i.Consumed))}, replayed {string.Join("/", group.Select(i => i.Replayed))}, late {string.Join("/", group.Select(i => i.Late))}, not owned {string.Join("/", group.Select(i => i.NotOwned))}, run {run.Elapsed.TotalSeconds:0.0} s");
            Assert.True(group[1].Replayed > 0, "the second instance rebuilt nothing: no rebalance happened mid-stream");
            var repeats = GroupRun.AssertSameOutput(reference.Points, group, CutoffMs);
            output.WriteLine($"repeated writes {repeats}");
            Assert.Equal(0, group.Sum(i => i.Late));
        }
        finally
        {
            foreach (var instance in group)
            {
                await instance.DisposeAsync();
            }
        }
    }

    /// <summary>The events in slices, and the single instance's output over them (the reference).</summary>
    public sealed class Reference : IAsyncLifetime
    {
        public IReadOnlyList<SimulatedEvent[]> Slices { get; private set; } = [];

        public IReadOnlyCollection<CapturedPoint> Points { get; private set; } = [];

        public int SliceCount => Slices.Count;

        public TimeSpan Took { get; private set; }

        public async Task InitializeAsync()
        {
            var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
            Slices = GroupRun.Chunks(GroupRun.Events(Duration), Slice).ToList();
            var run = Stopwatch.StartNew();
            using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, partitions: Partitions);
            await using var single = await GroupInstance.StartAsync("single", cluster.BootstrapServers, "single", GroupRun.ClockWhileRunning, timeout);
            await GroupRun.Until(() => single.Health.AssignedPartitions == Partitions * 4, TimeSpan.FromSeconds(30), "the single instance assigned", timeout);
            await ProduceAsync(cluster, [single], null, timeout);
            await GroupRun.FinishAsync([single], Partitions * 4, FinalClock, timeout);
            Assert.Equal(0, single.Late);
            Points = single.Sink.Points;
            Took = run.Elapsed;
        }

        /// <summary>
        /// Produces the slices one by one, each after the group consumed the one before (every
        /// run gets a cluster of its own: a run reading messages produced long before would read
        /// partitions at uneven speeds, which is a backlog, not the live stream compared here).
        /// <paramref name="onSlice"/> runs before each slice is produced. Returns the events produced.
        /// </summary>
        public async Task<int> ProduceAsync(EmbeddedKafkaCluster cluster, IReadOnlyList<GroupInstance> group, Func<int, Task>? onSlice, CancellationToken cancellationToken)
        {
            using var producer = GroupRun.Producer(cluster.BootstrapServers);
            var produced = 0;
            for (var i = 0; i < Slices.Count; i++)
            {
                if (onSlice is not null)
                {
                    await onSlice(i);
                }

                GroupRun.Produce(producer, Slices[i]);
                produced += Slices[i].Length;
                await GroupRun.Until(() => group.Sum(g => g.Consumed) >= produced, TimeSpan.FromSeconds(30), $"slice {i} consumed", cancellationToken);
            }

            return produced;
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
