using Monitor.Hosting;
using Monitor.Influx;
using Monitor.Kafka;
using Prometheus;

namespace Monitor.Http;

/// <summary>
/// /metrics (Prometheus text format), /healthz (alive: no fatal error), /readyz (consuming: partitions
/// assigned; 200 with "degraded: ..." while InfluxDB is unreachable or points are dropped, because
/// consumption and alerting go on) and /api/alerts (see <see cref="AlertEndpoints"/>).
/// <c>/readyz?format=json</c> gives the same as JSON.
/// </summary>
public static class MonitorEndpoints
{
    /// <summary>Maps /metrics (serving <paramref name="registry"/>), /healthz, /readyz and the /api/alerts endpoints on <paramref name="app"/>; needs <see cref="ConsumerHealth"/> and <see cref="MonitorWorker"/> registered as services.</summary>
    public static void MapMonitorEndpoints(this WebApplication app, CollectorRegistry registry)
    {
        app.MapMetrics("/metrics", registry);
        app.MapGet("/healthz", (ConsumerHealth health, MonitorWorker worker) =>
            health.FatalError is null && worker.Failure is null
                ? Results.Text("ok\n")
                : Results.Text($"unhealthy: {health.FatalError ?? worker.Failure?.Message}\n", statusCode: 503));
        app.MapGet("/readyz", (ConsumerHealth health, IServiceProvider services, string? format) =>
        {
            var ready = health.Running && health.AssignedPartitions > 0 && health.FatalError is null;
            var influx = services.GetService<InfluxWriter>()?.Status;
            var degraded = influx is { Degraded: true } ? influx.Describe() : null;
            var status = ready ? 200 : 503;
            if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(
                    new ReadinessReport(
                        ready,
                        degraded is not null,
                        degraded,
                        health.AssignedPartitions,
                        influx is null ? null : new InfluxReadiness(
                            influx.UnreachableFor is null,
                            influx.UnreachableFor?.TotalSeconds,
                            influx.LastProblem,
                            influx.Buffered,
                            influx.Capacity,
                            influx.Dropped,
                            influx.Dropping)),
                    statusCode: status);
            }

            if (!ready)
            {
                return Results.Text($"not ready: running={health.Running} partitions={health.AssignedPartitions}\n", statusCode: 503);
            }

            return Results.Text(degraded is null ? "ready\n" : $"ready (degraded: {degraded})\n");
        });
        app.MapAlertEndpoints();
    }

    private sealed record ReadinessReport(bool Ready, bool Degraded, string? Reason, int Partitions, InfluxReadiness? Influx);

    private sealed record InfluxReadiness(bool Up, double? UnreachableSeconds, string? LastProblem, long Buffered, int Capacity, long Dropped, bool Dropping);
}
