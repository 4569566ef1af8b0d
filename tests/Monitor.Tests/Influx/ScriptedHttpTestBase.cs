using Monitor.Observability;

namespace Monitor.Tests.Influx;

/// <summary>
/// What the HTTP client tests share (the InfluxDB writer, the alert sinks): virtual time, a
/// scripted HTTP handler that records each request, metrics, a log, and disposal of the subject
/// under test after each test.
/// </summary>
public abstract class ScriptedHttpTestBase<TSubject> : IAsyncLifetime
    where TSubject : class, IAsyncDisposable
{
    // Safety net only: every wait is for a signal, never for time to pass.
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    protected ScriptedHttpTestBase()
    {
        Handler = new ScriptedHandler(Time);
        Http = new HttpClient(Handler);
    }

    protected TimerWatchingTimeProvider Time { get; } = new();

    protected ScriptedHandler Handler { get; }

    protected HttpClient Http { get; }

    protected MonitorMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    protected ListLogger<TSubject> Logger { get; } = new();

    /// <summary>The client under test, disposed after the test.</summary>
    protected TSubject? Subject { get; set; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Handler.ReleaseAll();
        if (Subject is not null)
        {
            var dispose = Subject.DisposeAsync().AsTask();
            WhileDisposing();
            await dispose.WaitAsync(Patience);
        }

        Http.Dispose();
    }

    /// <summary>Runs once the subject's disposal has begun (e.g. advance time past a shutdown timeout).</summary>
    protected virtual void WhileDisposing()
    {
    }
}
