using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>Where alert state changes go: Alertmanager (<see cref="AlertmanagerSink"/>) or a JSON webhook (<see cref="WebhookSink"/>).</summary>
public interface IAlertSink : IAsyncDisposable
{
    /// <summary>Short, stable name; the <c>sink</c> label of <c>monitor_alert_notifications_total</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Accepts one change and returns at once: sending happens on the sink's own loop, so the
    /// pipeline thread never waits for the network. Never throws for a delivery problem; after
    /// disposal the change is dropped (and counted).
    /// </summary>
    void Publish(AlertChange change);
}
