using System.Reactive.Linq;
using Monitor.Core.Alerts;
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
    /// input (end of a replay) the last windows are flushed before OnCompleted. With
    /// <paramref name="alertRules"/>, a fresh <see cref="AlertEvaluator"/> judges every point as it
    /// is emitted; its <c>alerts</c> points join the batch and its changes go to
    /// <see cref="PipelineHooks.AlertChanged"/>. With <paramref name="earlyAlerts"/> (live mode), an
    /// <see cref="EarlyAlerts"/> path judges open windows on every clock reading and the changes
    /// delivered are the reconciled ones; the <c>alerts</c> points stay final.
    /// With <paramref name="borrowPoints"/> (the hosts' hot path) a batch holds the engine's series
    /// points themselves, one batch per boundary: valid only until OnNext returns (clone to keep).
    /// </summary>
    public static IObservable<IReadOnlyList<MetricPoint>> ToMetricPoints(
        this IObservable<PipelineInput> inputs,
        EngineOptions options,
        PipelineHooks? hooks = null,
        AlertRuleSet? alertRules = null,
        bool earlyAlerts = false,
        bool borrowPoints = false)
    {
        return Observable.Create<IReadOnlyList<MetricPoint>>(observer =>
        {
            List<MetricPoint> batch = [];
            var caughtUpMs = (long)(options.AllowedLateness + options.Step + options.SourceIdleAfter).TotalMilliseconds;
            MetricEngine engine;
            EarlyAlerts? early = null;
            var gate = new AlertRestoreGate(change => hooks?.AlertChanged?.Invoke(change));
            if (alertRules is { Count: > 0 })
            {
                // With early alerts the final changes go through the reconciler, which reads the same engine.
                Action<AlertChange> notify = earlyAlerts ? change => early!.OnFinal(change) : gate.Publish;
                var evaluator = new AlertEvaluator(alertRules, notify, batch.Add);
                engine = new MetricEngine(
                    options,
                    point =>
                    {
                        batch.Add(point);
                        evaluator.Observe(point);
                    },
                    evaluator,
                    borrowPoints);
                if (earlyAlerts)
                {
                    early = new EarlyAlerts(alertRules, engine, gate.Publish);
                }
            }
            else
            {
                engine = new MetricEngine(options, batch.Add, borrowPoints: borrowPoints);
            }

            if (borrowPoints)
            {
                // Series points are rewritten at the next boundary: each boundary goes out on its own.
                engine.BoundaryDone = _ => Flush();
            }

            engine.HoldBoundaries = hooks?.HoldBoundaries;

            void Flush()
            {
                if (batch.Count == 0)
                {
                    return;
                }

                if (borrowPoints)
                {
                    // Borrowed: the list itself, read before OnNext returns.
                    observer.OnNext(batch);
                    batch.Clear();
                    return;
                }

                var points = batch.ToArray();
                batch.Clear();
                observer.OnNext(points);
            }

            var stepMs = (long)options.Step.TotalMilliseconds;
            var measuredStep = long.MinValue;
            var measuredShops = -1;
            void Publish(long watermarkBefore)
            {
                if (engine.Watermark != watermarkBefore)
                {
                    hooks?.WatermarkAdvanced?.Invoke(engine.Watermark);
                    early?.OnFinalWatermark(engine.Watermark);
                    gate.OnFinalWatermark(engine.Watermark);
                }

                // Once a step, and whenever the shops held change: a look-back rebuild hands its
                // shops over when its partitions catch up, which need not move the watermark.
                if (hooks?.StateMeasured is { } measured && (engine.Watermark / stepMs != measuredStep || engine.Shops != measuredShops))
                {
                    measuredStep = engine.Watermark / stepMs;
                    measuredShops = engine.Shops;
                    measured(engine.Shops, engine.ItemsHeld);
                }

                Flush();
            }

            var stopped = false;
            return inputs.Subscribe(
                input =>
                {
                    if (stopped)
                    {
                        return;
                    }

                    var before = engine.Watermark;
                    try
                    {
                        if (input.Event is { } e)
                        {
                            var verdict = engine.Offer(e, input.Source);
                            if (verdict is EventVerdict.Refused or EventVerdict.RefusedInstanceFull)
                            {
                                hooks?.Refused?.Invoke(e, verdict);
                            }
                            else
                            {
                                if (verdict == EventVerdict.Late)
                                {
                                    hooks?.Late?.Invoke(e);
                                }

                                early?.Accept(e, input.Source);
                            }
                        }
                        else if (input.Change == SourceChange.Opened)
                        {
                            engine.OpenSource(input.Source);
                        }
                        else if (input.Change == SourceChange.Idle)
                        {
                            engine.CloseSource(input.Source);
                            early?.SourceIdle(input.Source);
                        }
                        else if (input.Change == SourceChange.Revoked)
                        {
                            var dropped = engine.DropSource(input.Source);
                            early?.Drop(input.Source, dropped);
                            gate.Rebuilt(input.Source, engine.MaxEventTimeMs);
                        }
                        else if (input.Change == SourceChange.Rebuilding)
                        {
                            gate.Rebuilding(input.Source);
                        }
                        else if (input.Change == SourceChange.Rebuilt)
                        {
                            gate.Rebuilt(input.Source, engine.MaxEventTimeMs);
                        }
                        else if (input.Change == SourceChange.Held)
                        {
                            engine.HoldSources(input.ClockMs);
                        }
                        else
                        {
                            engine.AdvanceClock(input.ClockMs);

                            // Near real time: the final watermark is within the lateness (and some slack) of the clock.
                            early?.Tick(input.ClockMs, engine.Watermark != long.MinValue && engine.Watermark >= input.ClockMs - caughtUpMs);
                        }
                    }
                    catch (Exception ex)
                    {
                        // An engine fault ends the stream with its reason (Rx: operators report, never throw).
                        stopped = true;
                        observer.OnError(ex);
                        return;
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
            var failed = 0;
            var timer = time.CreateTimer(
                _ =>
                {
                    if (Volatile.Read(ref failed) != 0)
                    {
                        return;
                    }

                    try
                    {
                        observer.OnNext(time.GetUtcNow().ToUnixTimeMilliseconds());
                    }
                    catch (Exception ex)
                    {
                        // A timer thread must not die with an unhandled exception: end the stream instead.
                        Interlocked.Exchange(ref failed, 1);
                        observer.OnError(ex);
                    }
                },
                null,
                period,
                period);
            return timer;
        });
}
