using System.CommandLine;
using System.Globalization;
using Monitor.Bench;
using Monitor.Cli;

// monitor-bench: measurements that are tools rather than product. Sizing a deployment (throughput,
// state per item) is `monitor bench`; these need a real Alertmanager, run for minutes, or measure
// one component (docs/performance.md).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

var rounds = new Option<int>("--rounds") { Description = "With --alerts: measured rounds after one warm-up; the best is reported", DefaultValueFactory = _ => 3 };
var alerts = new Option<int?>("--alerts") { Description = "Alert evaluator cost per metric point with this many rule instances (e.g. 10000)" };
var alertLatency = new Option<int?>("--alert-latency")
{
    Description = "Latency from the threshold-crossing event to Alertmanager's acceptance and to its webhook over this many alerts (e.g. 200), through the embedded broker and a real Alertmanager (prometheus-alertmanager)",
};
var deadline = CliOptions.Duration("--deadline", "With --alert-latency: how long to wait for the alerts after the last event", TimeSpan.FromSeconds(120));
var soak = CliOptions.Duration("--soak", "A soak of this long (e.g. 10m) at full speed with churn of shops and items; prints the managed heap and /metrics series along the way");
var soakEvents = new Option<long?>("--soak-events") { Description = "A soak of this many events (see --soak)" };
var soakShopLife = CliOptions.Duration("--soak-shop-life", "With --soak: a new shop appears and the oldest active one retires this often in event time (500ms passes a million shop ids through in about 25M events)", SoakBench.DefaultShopLife);
var soakHold = CliOptions.Duration("--soak-hold", "With --soak: series TTL, orders window and stale-item age this short (default 1 h, 60 min, 2 h), so a quiet shop leaves soon and many shop ids can pass through");
var sampleEvery = new Option<long>("--sample-every") { Description = "With --soak: events between two heap samples", DefaultValueFactory = _ => 1_000_000 };
var root = new RootCommand("Benchmarks that are tools, not product: alert latency end to end, memory over a soak, the alert evaluator's cost. (Throughput and state per item: monitor bench.)")
{
    alerts, rounds, alertLatency, deadline, soak, soakEvents, soakShopLife, soakHold, sampleEvery,
};
root.SetAction(async (result, cancellationToken) =>
{
    if (result.GetValue(alertLatency) is { } latencyAlerts)
    {
        if (latencyAlerts is < 1 or > 100_000)
        {
            Console.Error.WriteLine($"monitor-bench: --alert-latency must be between 1 and 100000, not {latencyAlerts}");
            return 2;
        }

        return await AlertLatencyBench.RunAsync(latencyAlerts, result.GetValue(deadline), cancellationToken);
    }

    if (result.GetValue(soak) is not null || result.GetValue(soakEvents) is not null)
    {
        if (result.GetValue(sampleEvery) < 1)
        {
            Console.Error.WriteLine("monitor-bench: --sample-every must be at least 1");
            return 2;
        }

        if (result.GetValue(soakShopLife) <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("monitor-bench: --soak-shop-life must be positive");
            return 2;
        }

        if (result.GetValue(soakHold) is { } held && held <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("monitor-bench: --soak-hold must be positive");
            return 2;
        }

        return SoakBench.Run(result.GetValue(soak), result.GetValue(soakEvents), result.GetValue(sampleEvery), cancellationToken, result.GetValue(soakShopLife), result.GetValue(soakHold));
    }

    if (result.GetValue(alerts) is { } instances)
    {
        AlertBench.Run(instances, result.GetValue(rounds));
        return 0;
    }

    Console.Error.WriteLine("monitor-bench: say what to measure: --alert-latency N, --soak DURATION (or --soak-events N) or --alerts N (see --help)");
    return 2;
});
return await root.Parse(args).InvokeAsync();
