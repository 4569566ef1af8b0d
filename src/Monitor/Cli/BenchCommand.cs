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
/// <c>monitor bench</c>: events/s of decode alone and of decode + dedup + pipeline over the same
/// simulated events, in one run on one core, reported with their ratio. No sinks: this measures
/// the monitor's own work. <c>--state</c>, <c>--alerts</c> and <c>--alert-latency</c> measure other
/// things instead (<see cref="StateBench"/>, <see cref="AlertBench"/>, <see cref="AlertLatencyBench"/>).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Simulated events to process", DefaultValueFactory = _ => 1_000_000 };
        var shops = new Option<int>("--shops") { Description = "Number of shops", DefaultValueFactory = _ => 200 };
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
            events, shops, rounds, state, alerts, withRules, alertLatency, deadline, soak, soakEvents, sampleEvery,
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

            if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
            {
                Process.GetCurrentProcess().ProcessorAffinity = 1;
            }

            var count = result.GetValue(events);
            Console.WriteLine($"bench: generating {count:N0} simulated events ({result.GetValue(shops)} shops)...");
            var generated = new Double11Scenario()
                .Generate(new SimulationOptions { Shops = result.GetValue(shops), EventsPerSecond = 500 })
                .Take(count)
                .Select(e => (Topic: Enum.Parse<Topic>(e.Topic, ignoreCase: true), e.Json))
                .ToArray();
            var bytes = generated.Sum(e => (long)e.Json.Length);
            Console.WriteLine($"bench: {bytes / (double)count:N0} bytes/event on average; pinned to one core");

            var decode = Measure("decode only", result.GetValue(rounds), () => DecodeOnly(generated));
            var pipeline = Measure("decode + pipeline", result.GetValue(rounds), () => DecodeAndPipeline(generated));
            Console.WriteLine($"bench: decode only        {count / decode.TotalSeconds,12:N0} events/s");
            Console.WriteLine($"bench: decode + pipeline  {count / pipeline.TotalSeconds,12:N0} events/s");
            Console.WriteLine($"bench: pipeline/decode throughput ratio {decode.TotalSeconds / pipeline.TotalSeconds:N2}");
            if (result.GetValue(withRules))
            {
                var (rules, errors) = AlertRulesLoader.Load(AlertRulesLoader.DefaultFile);
                if (rules is null)
                {
                    errors.ToList().ForEach(e => Console.Error.WriteLine(e));
                    return 1;
                }

                var final = Measure("+ alert rules", result.GetValue(rounds), () => DecodeAndPipeline(generated, rules));
                var early = Measure("+ early alerts", result.GetValue(rounds), () => DecodeAndPipeline(generated, rules, early: true));
                Console.WriteLine($"bench: + {rules.Count} alert rules   {count / final.TotalSeconds,12:N0} events/s (ratio to pipeline {pipeline.TotalSeconds / final.TotalSeconds:N2})");
                Console.WriteLine($"bench: + early alerts     {count / early.TotalSeconds,12:N0} events/s (ratio to pipeline {pipeline.TotalSeconds / early.TotalSeconds:N2})");

                // The early path's work is per shop per second of clock time (ticks), not per event:
                // this run squeezes its event time, so report the cost per shop-second as well.
                var times = Timestamps(generated).ToArray();
                var span = TimeSpan.FromMilliseconds(times.Max() - times.Min());
                var shopSeconds = result.GetValue(shops) * span.TotalSeconds;
                Console.WriteLine($"bench: early path cost {(early - final).TotalMicroseconds / shopSeconds:N1} µs per shop per second of event time ({span.TotalMinutes:N0} min of event time, {result.GetValue(shops)} shops)");
            }

            return 0;
        });
        return command;
    }

    private static IEnumerable<long> Timestamps((Topic Topic, byte[] Json)[] events)
    {
        var decoder = new EventDecoder();
        foreach (var (topic, json) in events)
        {
            if (decoder.Decode(json, topic).Event is { } e)
            {
                yield return e.TimestampMs;
            }
        }
    }

    private static TimeSpan Measure(string name, int rounds, Func<long> body)
    {
        body();
        var best = TimeSpan.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            GC.Collect();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var clock = Stopwatch.StartNew();
            var result = body();
            clock.Stop();
            best = clock.Elapsed < best ? clock.Elapsed : best;
            Console.WriteLine($"bench: {name,-18} round {round + 1}: {clock.Elapsed.TotalMilliseconds,8:N0} ms, {result:N0} outputs, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6:N0} MB allocated, "
                + $"GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:N0} ms");
        }

        return best;
    }

    private static long DecodeOnly((Topic Topic, byte[] Json)[] events)
    {
        var decoder = new EventDecoder();
        long valid = 0;
        foreach (var (topic, json) in events)
        {
            // The pipeline's own decoding (one refilled event per message), so the ratio compares like with like.
            if (decoder.DecodeShared(json, topic).IsValid)
            {
                valid++;
            }
        }

        return valid;
    }

    /// <summary>
    /// With <paramref name="rules"/>: the shipped alert rules on final values, plus (when
    /// <paramref name="early"/>) the live early path, ticked every 250 ms of event time as the
    /// live clock would.
    /// </summary>
    private static long DecodeAndPipeline((Topic Topic, byte[] Json)[] events, AlertRuleSet? rules = null, bool early = false)
    {
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadLetters = new FileDeadLetterSink(null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters) { ReuseEvents = true };
        var router = new PointRouter(metrics, []);
        var inputs = Observable.Create<PipelineInput>(observer =>
        {
            var nextTick = long.MinValue;
            foreach (var (topic, json) in events)
            {
                if (intake.Accept(Names.Of(topic), topic, null, json, "bench") is { } e)
                {
                    observer.OnNext(PipelineInput.Of(e));
                    if (early && e.TimestampMs >= nextTick)
                    {
                        observer.OnNext(PipelineInput.Clock(e.TimestampMs));
                        nextTick = e.TimestampMs + 250;
                    }
                }
            }

            observer.OnCompleted();
            return System.Reactive.Disposables.Disposable.Empty;
        });
        long points = 0;
        var engine = new EngineOptions { Keywords = KeywordSetup.Load(null).Holder };
        using (inputs.ToMetricPoints(engine, null, rules, early, borrowPoints: true).Subscribe(batch =>
        {
            points += batch.Count;
            router.Publish(batch);
        }))
        {
        }

        return points;
    }
}
