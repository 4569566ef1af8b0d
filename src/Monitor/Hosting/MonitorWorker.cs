using System.Reactive.Linq;
using Monitor.Alerting;
using Monitor.Core.Events;
using Monitor.Core.Pipeline;
using Monitor.Kafka;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;

namespace Monitor.Hosting;

/// <summary>
/// Runs the live pipeline: Kafka inputs merged with clock ticks, through the metric engine, into
/// the router. A fatal pipeline error stops the host with the reason in the log.
/// </summary>
public sealed class MonitorWorker(
    LiveOptions options,
    MonitorMetrics metrics,
    PointRouter router,
    AlertDispatcher alerts,
    IDeadLetterSink deadLetters,
    ConsumerHealth health,
    HostClocks clocks,
    IHostApplicationLifetime lifetime,
    ILogger<MonitorWorker> logger) : BackgroundService
{
    /// <summary>The error that stopped the pipeline, or null while it runs or after a clean stop; /healthz fails while it is set.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Runs the pipeline until <paramref name="stoppingToken"/> fires or it fails; a failure is kept in <see cref="Failure"/> and stops the host.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clock = clocks.Events;
        // One rule for the live messages and the look-back rebuild (the same intake): not further ahead
        // of the clock than the allowed future, not further behind than the max age.
        var aheadMs = (long)options.EffectiveMaxFuture.TotalMilliseconds;
        var behindMs = (long)options.EffectiveMaxAge.TotalMilliseconds;
        var intake = new EventIntake(
            new EventDecoder(),
            new EventIdDeduplicator(options.DedupCapacity),
            metrics,
            deadLetters,
            () => clock.GetUtcNow().ToUnixTimeMilliseconds() + aheadMs,
            () => clock.GetUtcNow().ToUnixTimeMilliseconds() - behindMs)
        {
            // The pipeline applies each event before the consumer reads the next one and keeps none.
            ReuseEvents = true,
            Admission = ShopAdmission.For(options.Engine),
        };
        var watermarkView = new WatermarkView();
        metrics.EngineShopsCapacity.Set(options.Engine.MaxShops);
        metrics.EngineItemsCapacity.Set(options.Engine.MaxItems);
        var kafka = new KafkaInputs(options.Kafka with { LookBack = options.EffectiveLookBack }, intake, metrics, health, watermarkView, clocks, logger);
        var hooks = new PipelineHooks
        {
            Late = e => metrics.EventsLate.WithLabels(Names.Of(e.Topic)).Inc(),
            Refused = (e, verdict) => intake.Refused(e, verdict, options.Engine),
            AlertChanged = alerts.Publish,
            // A full InfluxDB buffer holds boundaries back instead of blocking this pipeline, so
            // events are still read and the early alerts judge them (docs/reliability.md#influxdb-outage).
            HoldBoundaries = router.ShouldHoldBoundary,
            StateMeasured = (shops, items) =>
            {
                metrics.EngineShops.Set(shops);
                metrics.EngineItems.Set(items);
            },
            WatermarkAdvanced = watermark =>
            {
                watermarkView.Set(watermark);
                metrics.WatermarkLag.Set((clock.GetUtcNow().ToUnixTimeMilliseconds() - watermark) / 1000.0);
            },
        };

        // The lag grows while the watermark stands still too (boundaries held behind a full InfluxDB
        // buffer): read on the clock, not only when the watermark moves.
        using var lagRefresh = clock.CreateTimer(
            _ =>
            {
                var watermark = watermarkView.Current;
                if (watermark != long.MinValue)
                {
                    metrics.WatermarkLag.Set((clock.GetUtcNow().ToUnixTimeMilliseconds() - watermark) / 1000.0);
                }
            },
            null,
            options.ClockTick,
            options.ClockTick);

        // Back-pressure from InfluxDB blocks this pipeline in Publish; the clock must neither pile up
        // behind it nor take the wait for idle partitions (docs/reliability.md#influxdb-outage).
        var backPressure = new BackPressureClock(clock, options.ClockTick);
        var inputs = Observable.Merge(
                kafka.Create(),
                backPressure.Ticks(MetricPipeline.ClockTicks(clock, options.ClockTick)))
            .Synchronize();

        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = inputs
            .ToMetricPoints(options.Engine, hooks, options.AlertRules, options.EarlyAlerts, borrowPoints: true)
            .Subscribe(
                batch =>
                {
                    try
                    {
                        backPressure.Publish(() => router.Publish(batch));
                    }
                    catch (Exception ex)
                    {
                        finished.TrySetException(ex);
                    }
                },
                error => finished.TrySetException(error),
                () => finished.TrySetResult());
        await using var stopping = stoppingToken.Register(() => finished.TrySetResult());
        logger.LogInformation("Pipeline consuming {Topics} from {Bootstrap} as group {Group}; {Rules} alert rules, sinks: {Sinks}",
            string.Join(",", options.Kafka.Topics), options.Kafka.BootstrapServers, options.Kafka.GroupId,
            options.AlertRules?.Count ?? 0, alerts.Sinks.Count == 0 ? "none" : string.Join(",", alerts.Sinks.Select(s => s.Name)));

        try
        {
            await finished.Task;
        }
        catch (Exception ex)
        {
            Failure = ex;
            health.FatalError ??= ex.Message;
            logger.LogCritical("Pipeline stopped: {Reason}", ex.Message);
            lifetime.StopApplication();
        }
    }
}
