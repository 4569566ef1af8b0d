using Monitor.Hosting;
using Monitor.Kafka;
using Prometheus;

namespace Monitor.Http;

/// <summary>/metrics (Prometheus text format), /healthz (alive: no fatal error), /readyz (consuming: partitions assigned) and /api/alerts (see <see cref="AlertEndpoints"/>).</summary>
public static class MonitorEndpoints
{
    public static void MapMonitorEndpoints(this WebApplication app, CollectorRegistry registry)
    {
        app.MapMetrics("/metrics", registry);
        app.MapGet("/healthz", (ConsumerHealth health, MonitorWorker worker) =>
            health.FatalError is null && worker.Failure is null
                ? Results.Text("ok\n")
                : Results.Text($"unhealthy: {health.FatalError ?? worker.Failure?.Message}\n", statusCode: 503));
        app.MapGet("/readyz", (ConsumerHealth health) =>
            health.Running && health.AssignedPartitions > 0 && health.FatalError is null
                ? Results.Text("ready\n")
                : Results.Text($"not ready: running={health.Running} partitions={health.AssignedPartitions}\n", statusCode: 503));
        app.MapAlertEndpoints();
    }
}
