using Monitor.Alerting;

namespace Monitor.Http;

/// <summary><c>GET /api/alerts</c>: the firing alerts and the latest changes, from the registered <see cref="AlertDispatcher"/>.</summary>
public static class AlertEndpoints
{
    /// <summary>
    /// Maps <c>/api/alerts</c>. The dispatcher is looked up per request, so the endpoint answers
    /// <c>{"active":[],"recent":[]}</c> while no <see cref="AlertDispatcher"/> is registered (alerting off).
    /// </summary>
    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts", (HttpContext context) =>
        {
            var snapshot = context.RequestServices.GetService<AlertDispatcher>()?.Snapshot() ?? AlertsSnapshot.Empty;
            return Results.Bytes(AlertJson.Snapshot(snapshot), "application/json");
        });
    }
}
