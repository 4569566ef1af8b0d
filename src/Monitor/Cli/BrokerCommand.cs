using System.CommandLine;
using Monitor.Kafka;

namespace Monitor.Cli;

/// <summary><c>monitor broker</c>: the embedded Kafka alone, until Ctrl+C.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of mock brokers", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per topic", DefaultValueFactory = _ => 4 };
        var command = new Command("broker", "Run the embedded Kafka broker (librdkafka mock cluster) alone and print its bootstrap servers.")
        {
            brokers,
            partitions,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var cluster = EmbeddedKafkaCluster.Start(result.GetValue(brokers), result.GetValue(partitions));
            Console.WriteLine($"bootstrap.servers={cluster.BootstrapServers}");
            Console.WriteLine($"topics: {string.Join(", ", EmbeddedKafkaCluster.DefaultTopics)} ({result.GetValue(partitions)} partitions each)");
            Console.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
