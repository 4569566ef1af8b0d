using System.Diagnostics;
using System.Reactive.Linq;
using System.Text;
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
/// <c>monitor bench</c>'s throughput figures, pinned to one core, over the same simulated events in
/// one run: decode alone (the hot path's refilled event), decode + intake + engine + router (no
/// sinks: the monitor's own work), with the shipped rules on final values, and with the live
/// early path. Each stage reports events/s, its ratio and bytes allocated per event; with
/// <c>--quiet-shops</c> the early path's cost per quiet shop per second of event time.
/// </summary>
internal static class ThroughputBench
{
    // Bytes allocated while the events flowed (set by the pipeline run); null for decode alone.
    [ThreadStatic]
    private static long? _loopAllocated;

    public static int Run(Settings settings)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1;
        }

        var count = settings.Events;
        Console.WriteLine($"bench: generating {count:N0} simulated events ({settings.Shops} shops, {settings.Rate:N0} events per second of event time)...");
        var generated = new Double11Scenario()
            .Generate(new SimulationOptions { Shops = settings.Shops, EventsPerSecond = settings.Rate })
            .Take(count)
            .Select(e => (Topic: Enum.Parse<Topic>(e.Topic, ignoreCase: true), e.Json))
            .ToArray();
        var bytes = generated.Sum(e => (long)e.Json.Length);
        var times = Timestamps(generated).ToArray();
        var span = TimeSpan.FromMilliseconds(times.Max() - times.Min());
        Console.WriteLine($"bench: {bytes / (double)count:N0} bytes/event on average, {span.TotalMinutes:N0} min of event time; pinned to one core");

        var decode = Measure("decode only", settings.Rounds, count, () => DecodeOnly(generated));
        var pipeline = Measure("decode + pipeline", settings.Rounds, count, () => DecodeAndPipeline(generated));
        Report("decode only", count, decode, null);
        Report("decode + pipeline", count, pipeline, null);
        Console.WriteLine($"bench: pipeline/decode throughput ratio {decode.Time.TotalSeconds / pipeline.Time.TotalSeconds:N2}");
        Console.WriteLine($"bench: cost per event {pipeline.Time.TotalNanoseconds / count:N0} ns ({(pipeline.Time - decode.Time).TotalNanoseconds / count:N0} ns beyond decoding)");

        // Every active series emits at every boundary (DESIGN §4): more shops over the same events is more output.
        Console.WriteLine($"bench: {pipeline.Outputs / (double)count:N2} points per event ({pipeline.Outputs:N0} points: active series × boundaries)");
        if (!settings.WithRules)
        {
            return 0;
        }

        var (rules, errors) = AlertRulesLoader.Load(AlertRulesLoader.DefaultFile);
        if (rules is null)
        {
            errors.ToList().ForEach(e => Console.Error.WriteLine(e));
            return 1;
        }

        var final = Measure("+ alert rules", settings.Rounds, count, () => DecodeAndPipeline(generated, rules));
        var early = Measure("+ early alerts", settings.Rounds, count, () => DecodeAndPipeline(generated, rules, early: true));
        Report($"+ {rules.Count} alert rules", count, final, pipeline);
        Report("+ early alerts", count, early, pipeline);

        // The early path works per shop that changed per tick, so report it per shop-second too.
        var shopSeconds = settings.Shops * span.TotalSeconds;
        Console.WriteLine($"bench: early path cost {(early.Time - final.Time).TotalMicroseconds / shopSeconds:N2} µs per shop per second of event time ({span.TotalMinutes:N0} min of event time, {settings.Shops} shops, all busy)");
        if (settings.QuietShops > 0)
        {
            var quiet = QuietShops(settings.QuietShops, times.Min()).Concat(generated).ToArray();
            var quietFinal = Measure($"+ rules, {settings.QuietShops:N0} quiet", settings.Rounds, count, () => DecodeAndPipeline(quiet, rules));
            var quietEarly = Measure($"+ early, {settings.QuietShops:N0} quiet", settings.Rounds, count, () => DecodeAndPipeline(quiet, rules, early: true));
            var extra = (quietEarly.Time - quietFinal.Time) - (early.Time - final.Time);
            Console.WriteLine($"bench: early path cost {extra.TotalMicroseconds / (settings.QuietShops * span.TotalSeconds):N3} µs per quiet shop per second of event time "
                + $"({settings.QuietShops:N0} shops with a waiting chat and no events; early path {(early.Time - final.Time).TotalMilliseconds:N0} ms without them, {(quietEarly.Time - quietFinal.Time).TotalMilliseconds:N0} ms with)");
        }

        return 0;
    }

    private static void Report(string name, int count, Result stage, Result? pipeline)
    {
        var ratio = pipeline is { } p ? $" (ratio to pipeline {p.Time.TotalSeconds / stage.Time.TotalSeconds:N2})" : "";
        Console.WriteLine($"bench: {name,-22} {count / stage.Time.TotalSeconds,12:N0} events/s, {stage.BytesPerEvent,6:N0} bytes allocated per event{ratio}");
    }

    /// <summary>Shops that each open a chat that waits, at the start, and then send nothing.</summary>
    private static IEnumerable<(Topic Topic, byte[] Json)> QuietShops(int shops, long startMs)
    {
        for (var i = 0; i < shops; i++)
        {
            yield return (Topic.Chats, Encoding.UTF8.GetBytes($$"""{"type":"conversation_started","eventId":"quiet-{{i}}-s","shopId":"quiet-{{i:D5}}","ts":{{startMs}},"conversationId":"quiet-{{i}}","channel":"chat"}"""));
            yield return (Topic.Chats, Encoding.UTF8.GetBytes($$"""{"type":"message","eventId":"quiet-{{i}}-m","shopId":"quiet-{{i:D5}}","ts":{{startMs}},"conversationId":"quiet-{{i}}","channel":"chat","sender":"customer"}"""));
        }
    }

    private static IEnumerable<long> Timestamps((Topic Topic, byte[] Json)[] events)
    {
        var decoder = new EventDecoder();
        foreach (var (topic, json) in events)
        {
            if (decoder.DecodeShared(json, topic).Event is { } e)
            {
                yield return e.TimestampMs;
            }
        }
    }

    private static Result Measure(string name, int rounds, int events, Func<long> body)
    {
        body();
        var best = TimeSpan.MaxValue;
        long bestAllocated = 0;
        long outputs = 0;
        for (var round = 0; round < rounds; round++)
        {
            GC.Collect();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            _loopAllocated = null;
            var clock = Stopwatch.StartNew();
            var result = body();
            clock.Stop();
            outputs = result;
            allocated = _loopAllocated ?? (GC.GetAllocatedBytesForCurrentThread() - allocated);
            if (clock.Elapsed < best)
            {
                best = clock.Elapsed;
                bestAllocated = allocated;
            }

            Console.WriteLine($"bench: {name,-22} round {round + 1}: {clock.Elapsed.TotalMilliseconds,8:N0} ms, {result:N0} outputs, {allocated / 1e6:N0} MB allocated, "
                + $"GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:N0} ms");
        }

        return new Result(best, bestAllocated / (double)events, outputs);
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
        // As live: the shop cap applies (the time bounds need a clock; the events here are from the past).
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters) { ReuseEvents = true, Admission = ShopAdmission.For(new EngineOptions()) };
        var router = new PointRouter(metrics, []);
        var inputs = Observable.Create<PipelineInput>(observer =>
        {
            var nextTick = long.MinValue;

            // Steady state: what the run allocates once (the dedup tables, the registry) is not per event.
            var before = GC.GetAllocatedBytesForCurrentThread();
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
            _loopAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
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

    public sealed record Settings(int Events, int Shops, int Rate, int Rounds, bool WithRules, int QuietShops);

    /// <summary>A stage's best round; <paramref name="Outputs"/>: events decoded, or points emitted.</summary>
    private readonly record struct Result(TimeSpan Time, double BytesPerEvent, long Outputs);
}
