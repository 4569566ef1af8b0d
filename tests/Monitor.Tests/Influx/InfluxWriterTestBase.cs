using Monitor.Influx;

namespace Monitor.Tests.Influx;

/// <summary>
/// An <see cref="InfluxWriter"/> on virtual time against a scripted HTTP handler, disposed after
/// each test. Subclasses create the writer with <see cref="CreateWriter"/>.
/// </summary>
public abstract class InfluxWriterTestBase : ScriptedHttpTestBase<InfluxWriter>
{
    /// <summary>Backoff jitter when a test does not give one (the fraction of the cap drawn).</summary>
    protected virtual double DefaultJitter => 0.5;

    protected InfluxWriter CreateWriter(Action<InfluxOptions>? configure = null, double? jitter = null)
    {
        var options = new InfluxOptions { Url = new Uri("http://influx.test:8086") };
        configure?.Invoke(options);
        var writer = new InfluxWriter(options, Http, Metrics, Time, Logger, new FixedRandom(jitter ?? DefaultJitter));
        Subject = writer;
        return writer;
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;

        protected override double Sample() => value;
    }
}
