using System.Diagnostics;
using Confluent.Kafka;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// Promise 5: with a broker of a three-broker cluster down for a few seconds while events flow,
/// partition leaders moved, and Produce, Fetch and OffsetCommit requests failing with retriable
/// errors, consumption resumes and the output equals the single instance's on a healthy broker:
/// nothing lost, nothing counted twice.
/// </summary>
public sealed class BrokerFaultTests(ScaleOutTests.Reference reference, ITestOutputHelper output) : IClassFixture<ScaleOutTests.Reference>
{
    private const int Partitions = 12;

    [Fact]
    public async Task BrokerFault_BrokerDownAndRequestErrors_ConsumptionResumes_OutputUnchanged()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
        var run = Stopwatch.StartNew();
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 3, partitions: Partitions);
        var notes = new List<string>();
        Task? upAgain = null;
        await using var instance = await GroupInstance.StartAsync("f", cluster.BootstrapServers, "faults", GroupRun.ClockWhileRunning, timeout);
        await GroupRun.Until(() => instance.Health.AssignedPartitions == Partitions * 4, TimeSpan.FromSeconds(30), "the instance assigned", timeout);

        var slices = reference.SliceCount;
        var events = await reference.ProduceAsync(
            cluster,
            [instance],
            async slice =>
            {
                if (slice == slices / 4)
                {
                    // Broker 2 leads a third of the partitions: producing and fetching them stall until it is back.
                    cluster.SetBrokerDown(2);
                    upAgain = Task.Run(async () =>
                    {
                        await Task.Delay(TimeSpan.FromSeconds(3), timeout);
                        cluster.SetBrokerUp(2);
                    });
                    notes.Add($"broker 2 down at slice {slice}");
                }
                else if (slice == slices / 2)
                {
                    await upAgain!;
                    cluster.PushRequestErrors(EmbeddedKafkaCluster.ApiKeys.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.Local_Transport, ErrorCode.UnknownTopicOrPart);
                    cluster.PushRequestErrors(EmbeddedKafkaCluster.ApiKeys.OffsetCommit, ErrorCode.RequestTimedOut, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup);
                    cluster.PushRequestErrors(EmbeddedKafkaCluster.ApiKeys.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.Local_Transport);
                    notes.Add($"request errors at slice {slice}");
                }
                else if (slice == 3 * slices / 4)
                {
                    for (var p = 0; p < 4; p++)
                    {
                        cluster.SetPartitionLeader("chats", p, 3);
                        cluster.SetPartitionLeader("calls", p, 1);
                    }

                    notes.Add($"leaders moved at slice {slice}");
                }
            },
            timeout);
        await GroupRun.FinishAsync([instance], Partitions * 4, GroupRun.Start + TimeSpan.FromMinutes(5), timeout);

        // Producer retries may write a message twice (the mock broker's idempotence does not
        // survive every fault injected here): the log may hold more messages than events.
        long logged;
        using (var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "probe" }).Build())
        {
            logged = GroupInstance.Topics.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => probe.QueryWatermarkOffsets(new TopicPartition(t, p), TimeSpan.FromSeconds(10)).High.Value)).Sum();
        }

        output.WriteLine($"broker faults: {events} events, {logged} messages in the log, {string.Join("; ", notes)}; consumed {instance.Consumed}, duplicates {instance.Duplicates}, consume errors {instance.Metrics.ConsumeErrors.Value}, run {run.Elapsed.TotalSeconds:0.0} s");
        GroupRun.AssertSameOutput(reference.Points, [instance], (GroupRun.Start + TimeSpan.FromMinutes(4.5)).ToUnixTimeMilliseconds());

        // Every message read once; every repeated message recognised by its eventId, none applied twice.
        Assert.Equal(logged, instance.Consumed);
        Assert.Equal(logged - events, instance.Duplicates);
        Assert.Equal(0, instance.Late);
    }
}
