using System.CommandLine;
using Confluent.Kafka;
using Monitor.Simulation;

namespace Monitor.Cli;

/// <summary><c>monitor simulate</c>: the Double-11 scenario to a Kafka cluster (paced) or to a JSONL file for replay.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap-servers", "-b") { Description = "Kafka to produce to (host:port,...)" };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the events as JSONL (one event per line, with a topic field) instead" };
        var duration = CliOptions.Duration("--duration", "Scenario time to generate, e.g. 2h (required with --out; default with Kafka: endless)");
        var events = new Option<long?>("--events") { Description = "Stop after this many events" };
        var speed = new Option<double>("--speed") { Description = "Scenario seconds per real second when producing to Kafka; 0 = as fast as possible", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Mean events per scenario second before the surge", DefaultValueFactory = _ => 200 };
        var shops = new Option<int>("--shops") { Description = "Number of shops", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        var start = new Option<DateTimeOffset?>("--start") { Description = "Scenario start, RFC 3339 (default 2025-11-10T21:00:00+08:00)" };
        var command = new Command("simulate", "Produce the deterministic Double-11 scenario to Kafka, or write it to a JSONL file.")
        {
            bootstrap, output, duration, events, speed, rate, shops, seed, start,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (CliOptions.CheckScenario(result.GetValue(shops), result.GetValue(rate)) is { } problem)
            {
                Console.Error.WriteLine($"simulate: {problem}");
                return 2;
            }

            if (result.GetValue(speed) is < 0 or double.NaN)
            {
                Console.Error.WriteLine("simulate: --speed must be 0 (as fast as possible) or more");
                return 2;
            }

            if (result.GetValue(events) is <= 0)
            {
                Console.Error.WriteLine("simulate: --events must be at least 1");
                return 2;
            }

            var options = new SimulationOptions
            {
                Seed = result.GetValue(seed),
                Shops = result.GetValue(shops),
                EventsPerSecond = result.GetValue(rate),
                Duration = result.GetValue(duration),
                Start = result.GetValue(start) ?? SimulationOptions.DefaultStart,
            };
            var stream = new Double11Scenario().Generate(options);
            if (result.GetValue(events) is { } limit)
            {
                stream = stream.Take(checked((int)Math.Min(limit, int.MaxValue)));
            }

            if (result.GetValue(output) is { } file)
            {
                if (options.Duration is null && result.GetValue(events) is null)
                {
                    Console.Error.WriteLine("simulate: with --out give --duration or --events, or the file would never end");
                    return 2;
                }

                var written = JsonlEventFile.Write(file.FullName, stream, cancellationToken);
                Console.WriteLine($"simulate: wrote {written:N0} events to {file.FullName}");
                return 0;
            }

            if (result.GetValue(bootstrap) is not { } servers)
            {
                Console.Error.WriteLine("simulate: give --bootstrap-servers (Kafka) or --out (JSONL file)");
                return 2;
            }

            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = servers, LingerMs = 5 }).Build();
            var progress = new SyncProgress<PublishProgress>(p => Console.Error.WriteLine($"simulate: {p}"));
            try
            {
                var produced = await SimulationPublisher.PublishAsync(stream, producer, result.GetValue(speed), TimeProvider.System, progress, cancellationToken);
                Console.WriteLine($"simulate: produced {produced:N0} events to {servers}");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("simulate: stopped");
            }

            return 0;
        });
        return command;
    }
}
