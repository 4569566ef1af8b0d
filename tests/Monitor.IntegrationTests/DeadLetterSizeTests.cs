using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Kafka;
using Monitor.Observability;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>A message larger than the dead-letter producer may send still reaches <c>&lt;topic&gt;.dlq</c>: as its first bytes, with its size.</summary>
public sealed class DeadLetterSizeTests
{
    [Fact]
    public async Task AMessageOverTheProducersMaximum_IsDeadLetteredTruncated_WithItsOriginalSize()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 1);
        var app = LiveHost.Build(
            new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "dlq-size", BrokerHasTimeIndex = false },
                Engine = new EngineOptions { SourceIdleAfter = TimeSpan.FromSeconds(1) },
                MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
            },
            HostClocks.System,
            logging: logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(timeout);
        try
        {
            // 1.5 MB: over librdkafka's default message.max.bytes (1,000,000), which the dead-letter producer keeps.
            var huge = Encoding.UTF8.GetBytes("{\"type\":\"message\",\"text\":\"" + new string('x', 1_500_000) + "\"}");
            using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, MessageMaxBytes = 4_000_000 }).Build())
            {
                await producer.ProduceAsync("chats", new Message<string, byte[]> { Key = "s1", Value = huge }, timeout);
            }

            using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = "dlq-size-check",
                AutoOffsetReset = AutoOffsetReset.Earliest,
            }).Build();
            consumer.Subscribe("chats.dlq");
            var deadline = Stopwatch.StartNew();
            ConsumeResult<byte[], byte[]>? result = null;
            while (result is null && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            }

            Assert.NotNull(result);
            var headers = result.Message.Headers;
            Assert.Equal("too_large", Encoding.UTF8.GetString(headers.GetLastBytes("dlq-reason")));
            Assert.Equal("true", Encoding.UTF8.GetString(headers.GetLastBytes("dlq-truncated")));
            Assert.Equal(huge.Length.ToString(), Encoding.UTF8.GetString(headers.GetLastBytes("dlq-original-size")));
            Assert.True(result.Message.Value.Length < 1_000_000, $"{result.Message.Value.Length} bytes");
            Assert.Equal(huge.AsSpan(0, result.Message.Value.Length).ToArray(), result.Message.Value);
            Assert.Equal(0, app.Services.GetRequiredService<MonitorMetrics>().DeadLetterFailures.WithLabels("chats").Value);
            consumer.Close();
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
