using System.Reactive.Linq;
using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Core.Pipeline;

/// <summary>The Rx face of the metric engine: events (and clock readings) in, batches of points out.</summary>
public static class MetricPipeline
{
    /// <summary>
    /// Runs a fresh <see cref="MetricEngine"/> per subscription. Each input that produces points
    /// yields one batch, synchronously inside the input's OnNext (so a caller that stores a Kafka
    /// offset after OnNext returns stores it after the event was applied). On completion of the
    /// input (end of a replay) the last windows are flushed before OnCompleted.
    /// </summary>
    public static IObservable<IReadOnlyList<MetricPoint>> ToMetricPoints(
        this IObservable<PipelineInput> inputs,
        EngineOptions options,
        PipelineHooks? hooks = null)
    {
        var latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        return Observable.Create<IReadOnlyList<MetricPoint>>(observer =>
        {
            List<MetricPoint> batch = [];
            var engine = new MetricEngine(options, batch.Add);

            void Publish(long watermarkBefore)
            {
                if (engine.Watermark != watermarkBefore)
                {
                    hooks?.WatermarkAdvanced?.Invoke(engine.Watermark);
                }

                if (batch.Count > 0)
                {
                    var points = batch.ToArray();
                    batch.Clear();
                    observer.OnNext(points);
                }
            }

            return inputs.Subscribe(
                input =>
                {
                    var before = engine.Watermark;
                    if (input.Event is { } e)
                    {
                        if (!engine.Accept(e, input.Source))
                        {
                            hooks?.Late?.Invoke(e);
                        }
                    }
                    else if (input.Change == SourceChange.Opened)
                    {
                        engine.OpenSource(input.Source);
                    }
                    else if (input.Change == SourceChange.Idle)
                    {
                        engine.CloseSource(input.Source);
                    }
                    else
                    {
                        engine.AdvanceTo(input.ClockMs - latenessMs);
                    }

                    Publish(before);
                },
                observer.OnError,
                () =>
                {
                    var before = engine.Watermark;
                    engine.Flush();
                    Publish(before);
                    observer.OnCompleted();
                });
        });
    }

    /// <summary>
    /// Clock readings (epoch ms) every <paramref name="period"/> from <paramref name="time"/>, so
    /// tests drive live mode with a fake clock.
    /// </summary>
    public static IObservable<long> ClockTicks(TimeProvider time, TimeSpan period) =>
        Observable.Create<long>(observer =>
        {
            var timer = time.CreateTimer(_ => observer.OnNext(time.GetUtcNow().ToUnixTimeMilliseconds()), null, period, period);
            return timer;
        });
}
