using System.CommandLine;

namespace Monitor.Cli;

/// <summary>
/// <c>monitor bench</c>, what an operator runs to size a deployment: throughput of decode alone and
/// of the whole pipeline over the same simulated events on one core (<see cref="ThroughputBench"/>),
/// or with <c>--state</c> the bytes of state per open item (<see cref="StateBench"/>). The tools that
/// need a real Alertmanager, run for minutes or measure one component are <c>monitor-bench</c>
/// (bench/Monitor.Bench).
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
        var command = new Command("bench", "Size a deployment: decode-only and decode+pipeline throughput on one core, or state bytes per open item. (Alert latency, soaks and the evaluator's cost: monitor-bench, docs/performance.md.)")
        {
            events, shops, rate, rounds, state, withRules, quietShops,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(state) is { } items)
            {
                StateBench.Run(items);
                return 0;
            }

            return ThroughputBench.Run(new ThroughputBench.Settings(
                result.GetValue(events), result.GetValue(shops), result.GetValue(rate), result.GetValue(rounds), result.GetValue(withRules), result.GetValue(quietShops)));
        });
        return command;
    }
}
