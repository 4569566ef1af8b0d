using System.CommandLine;
using System.Diagnostics;
using System.Reactive.Linq;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Keywords;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Simulation;
using Prometheus;

namespace Monitor.Cli;

/// <summary>
/// <c>monitor bench</c>: throughput of decode alone and of the whole pipeline over the same
/// simulated events on one core (<see cref="ThroughputBench"/>); <c>--state</c>, <c>--alerts</c>,
/// <c>--alert-latency</c> and <c>--soak</c> measure other things instead (<see cref="StateBench"/>,
/// <see cref="AlertBench"/>, <see cref="AlertLatencyBench"/>, <see cref="SoakBench"/>).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Simulated events to process", DefaultValueFactory = _ => 1_000_000 };
        var shops = new Option<int>("--shops") { Description = "Number of shops", DefaultValueFactory = _ => 200 };
        var rate = new Option<int>("--rate") { Description = "Mean events per second of event time of the simulated stream", DefaultValueFactory = _ => 500 };
        var quietShops = new Option<int>("--quiet-shops")
        {
            Description = "With --with-rules: also measure with this many more shops that each hold a waiting chat and send nothing, and report the early path's cost per quiet shop per second of event time",
        };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds after one warm-up (default 3); the best is reported", DefaultValueFactory = _ => 3 };
        var state = new Option<int?>("--state") { Description = "Instead: bytes of engine state per open item, with this many open items of each kind (e.g. 1000000)" };
        var withRules = new Option<bool>("--with-rules") { Description = "Also measure the pipeline with the shipped alert rules, on final values and with the live early path" };
        var alerts = new Option<int?>("--alerts") { Description = "Instead: alert evaluator cost per metric point with this many rule instances (e.g. 10000)" };
        var alertLatency = new Option<int?>("--alert-latency")
        {
            Description = "Instead: latency from the threshold-crossing event to Alertmanager's acceptance and to its webhook over this many alerts (e.g. 200), through the embedded broker and a real Alertmanager (prometheus-alertmanager)",
        };
        var soak = CliOptions.Duration("--soak", "Instead: a soak of this long (e.g. 10m) at full speed with churn of shops and items; prints the managed heap and /metrics series along the way");
        var soakEvents = new Option<long?>("--soak-events") { Description = "Instead: a soak of this many events (see --soak)" };
        var sampleEvery = new Option<long>("--sample-every") { Description = "With --soak: events between two heap samples", DefaultValueFactory = _ => 1_000_000 };
        var deadline = CliOptions.Duration("--deadline", "With --alert-latency: how long to wait for the alerts after the last event", TimeSpan.FromSeconds(120));
        var command = new Command("bench", "Measure decode-only and decode+pipeline throughput on one core, state bytes per open item, alert evaluator cost, alert latency end to end, or memory over a soak.")
        {
            events, shops, rate, rounds, state, alerts, withRules, quietShops, alertLatency, deadline, soak, soakEvents, sampleEvery,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(alertLatency) is { } latencyAlerts)
            {
                if (latencyAlerts is < 1 or > 100_000)
                {
                    Console.Error.WriteLine($"bench: --alert-latency must be between 1 and 100000, not {latencyAlerts}");
                    return 2;
                }

                return await AlertLatencyBench.RunAsync(latencyAlerts, result.GetValue(deadline), cancellationToken);
            }

            if (result.GetValue(soak) is not null || result.GetValue(soakEvents) is not null)
            {
                var soakFor = result.GetValue(soak);
                if (result.GetValue(sampleEvery) < 1)
                {
                    Console.Error.WriteLine("bench: --sample-every must be at least 1");
                    return 2;
                }

                return SoakBench.Run(soakFor, result.GetValue(soakEvents), result.GetValue(sampleEvery), cancellationToken);
            }

            if (result.GetValue(state) is { } items)
            {
                StateBench.Run(items);
                return 0;
            }

            if (result.GetValue(alerts) is { } instances)
            {
                AlertBench.Run(instances, result.GetValue(rounds));
                return 0;
            }

            return ThroughputBench.Run(new ThroughputBench.Settings(
                result.GetValue(events), result.GetValue(shops), result.GetValue(rate), result.GetValue(rounds), result.GetValue(withRules), result.GetValue(quietShops)));
        });
        return command;
    }
}
