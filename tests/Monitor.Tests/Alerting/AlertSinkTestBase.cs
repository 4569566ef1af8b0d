using System.Text.Json;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Tests.Influx;

namespace Monitor.Tests.Alerting;

/// <summary>
/// What the HTTP sink tests share: virtual time, a scripted HTTP handler that records each request,
/// metrics, a log, and disposal of the sink under test past its shutdown timeout.
/// </summary>
public abstract class AlertSinkTestBase<TSink> : IAsyncLifetime
    where TSink : class, IAlertSink
{
    // Safety net only: every wait is for a signal, never for time to pass.
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    protected AlertSinkTestBase()
    {
        Handler = new ScriptedHandler(Time);
        Http = new HttpClient(Handler);
    }

    protected TimerWatchingTimeProvider Time { get; } = new();

    protected ScriptedHandler Handler { get; }

    protected HttpClient Http { get; }

    protected MonitorMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    protected ListLogger<TSink> Logger { get; } = new();

    /// <summary>The sink under test, disposed after the test.</summary>
    protected TSink? Sink { get; set; }

    /// <summary>When the alerts of a test started: a minute before the virtual clock's start.</summary>
    protected long StartMs => Time.Start.ToUnixTimeMilliseconds() - 60_000;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Handler.ReleaseAll();
        if (Sink is not null)
        {
            var dispose = Sink.DisposeAsync().AsTask();
            Time.Advance(TimeSpan.FromMinutes(1)); // past any shutdown timeout
            await dispose.WaitAsync(Patience);
        }

        Http.Dispose();
    }

    protected double Notifications(string outcome) => Metrics.AlertNotifications.WithLabels(Sink!.Name, outcome).Value;

    /// <summary>The elements of a request's JSON array body.</summary>
    protected static JsonElement[] Items(RecordedRequest request) =>
        JsonDocument.Parse(request.Text).RootElement.EnumerateArray().ToArray();

    /// <summary>The shops of a request's elements, in order.</summary>
    protected static string[] Shops(RecordedRequest request) =>
        Items(request).Select(e => e.GetProperty("labels").GetProperty("shop").GetString()!).ToArray();

    /// <summary>Publishes <paramref name="change"/> to the sink and waits until <paramref name="requests"/> requests were made in all.</summary>
    protected async Task PublishAndWaitAsync(AlertChange change, int requests)
    {
        Sink!.Publish(change);
        await Handler.WaitForRequestsAsync(requests).WaitAsync(Patience);
    }
}
