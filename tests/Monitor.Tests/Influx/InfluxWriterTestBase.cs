using Monitor.Influx;
using Monitor.Observability;

namespace Monitor.Tests.Influx;

/// <summary>
/// An <see cref="InfluxWriter"/> on virtual time against a scripted HTTP handler, disposed after
/// each test. Subclasses create the writer with <see cref="CreateWriter"/>.
/// </summary>
public abstract class InfluxWriterTestBase : IAsyncLifetime
{
    // Safety net only: every wait is for a signal, never for time to pass.
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private InfluxWriter? _writer;

    protected InfluxWriterTestBase()
    {
        Handler = new ScriptedHandler(Time);
        Http = new HttpClient(Handler);
    }

    protected TimerWatchingTimeProvider Time { get; } = new();

    protected ScriptedHandler Handler { get; }

    protected HttpClient Http { get; }

    protected MonitorMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    protected ListLogger<InfluxWriter> Logger { get; } = new();

    /// <summary>Backoff jitter when a test does not give one (the fraction of the cap drawn).</summary>
    protected virtual double DefaultJitter => 0.5;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Handler.ReleaseAll();
        if (_writer is not null)
        {
            await _writer.DisposeAsync().AsTask().WaitAsync(Patience);
        }

        Http.Dispose();
    }

    protected InfluxWriter CreateWriter(Action<InfluxOptions>? configure = null, double? jitter = null)
    {
        var options = new InfluxOptions { Url = new Uri("http://influx.test:8086") };
        configure?.Invoke(options);
        _writer = new InfluxWriter(options, Http, Metrics, Time, Logger, new FixedRandom(jitter ?? DefaultJitter));
        return _writer;
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;

        protected override double Sample() => value;
    }
}
