using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;
using Monitor.Observability;

namespace Monitor.IntegrationTests;

/// <summary>At-least-once: a consumed event still waiting in the reorder buffer is not committed, so a restart reads it again.</summary>
public sealed class OffsetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 11, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Offsets_AreCommittedOnlyForEventsTheEngineApplied()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 1);
        var app = LiveHost.Build(
            new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "offsets" },
                Engine = new EngineOptions { AllowedLateness = TimeSpan.FromSeconds(5) },
                MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",

                // The clock stands at T0 while the events run a minute past it.
                MaxFutureSkew = TimeSpan.FromMinutes(5),
            },
            HostClocks.WithEvents(new FakeTimeProvider(T0)),
            logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        var metrics = app.Services.GetRequiredService<MonitorMetrics>();

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            // The third event moves the watermark to 60 − 5 = 55 s: the first two are applied, it is not.
            foreach (var (id, seconds) in new[] { ("e1", 1), ("e2", 2), ("e3", 60) })
            {
                var json = $"{{\"type\":\"message\",\"eventId\":\"{id}\",\"shopId\":\"s1\",\"ts\":{T0.AddSeconds(seconds).ToUnixTimeMilliseconds()},\"conversationId\":\"c{id}\",\"sender\":\"customer\"}}";
                await producer.ProduceAsync("chats", new Message<string, string> { Key = "s1", Value = json }, timeout);
            }
        }

        var clock = Stopwatch.StartNew();
        while (metrics.EventsConsumed.WithLabels("chats").Value < 3)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "events not consumed within 60 s");
            await Task.Delay(100, timeout);
        }

        // Stopping closes the consumer, which commits what was stored.
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();

        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "offsets" }).Build();
        var committed = reader.Committed([new TopicPartition("chats", 0)], TimeSpan.FromSeconds(10));
        Assert.Equal(2, committed.Single().Offset.Value);
    }

    [Fact]
    public async Task ConsumerLag_ReadsZeroOnceThePartitionIsDrained_ThoughNoFurtherMessageArrives()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 1);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 200; i++)
            {
                var json = $"{{\"type\":\"message\",\"eventId\":\"e{i}\",\"shopId\":\"s1\",\"ts\":{T0.AddSeconds(i).ToUnixTimeMilliseconds()},\"conversationId\":\"c{i}\",\"sender\":\"customer\"}}";
                producer.Produce("chats", new Message<string, string> { Key = "s1", Value = json });
            }

            producer.Flush(timeout);
        }

        await using var app = LiveHost.Build(
            new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "lag" },
                MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
                MaxFutureSkew = TimeSpan.FromMinutes(5),
            },
            HostClocks.WithEvents(new FakeTimeProvider(T0)),
            logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        var metrics = app.Services.GetRequiredService<MonitorMetrics>();

        // The backlog is read in well under the refresh second, so the gauge's first reading
        // (at the first message) shows nearly all of it; only a refresh while idle brings it to 0.
        var clock = Stopwatch.StartNew();
        while (metrics.EventsConsumed.WithLabels("chats").Value < 200)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "events not consumed within 60 s");
            await Task.Delay(100, timeout);
        }

        var lag = metrics.ConsumerLag.WithLabels("chats", "0");
        while (lag.Value != 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the lag gauge still reads {lag.Value} with the partition drained");
            await Task.Delay(100, timeout);
        }

        // The state gauges: one shop, its waiting conversations, and the caps they are measured against.
        Assert.Equal(1, metrics.EngineShops.Value);
        Assert.InRange(metrics.EngineItems.Value, 1, 200);
        Assert.Equal(new EngineOptions().MaxShops, metrics.EngineShopsCapacity.Value);
        Assert.Equal(new EngineOptions().MaxItems, metrics.EngineItemsCapacity.Value);

        await app.StopAsync(CancellationToken.None);
    }
}
