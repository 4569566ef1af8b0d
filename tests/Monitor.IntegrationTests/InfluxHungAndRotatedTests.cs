using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Points;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Observability;

namespace Monitor.IntegrationTests;

/// <summary>
/// Two InfluxDB failures the outage tests (a stopped server) do not cover, against a real influxd:
/// a hung server (SIGSTOP: the port accepts, nothing answers) and credentials refused after a password
/// rotation reached the server before the monitor. The writer keeps the buffer, says why it is degraded,
/// and loses nothing once the server answers again.
/// </summary>
public sealed class InfluxHungAndRotatedTests
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public async Task HungInfluxDb_RequestsTimeOut_TheBufferWaits_AndEveryPointLandsAfterItThaws()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var influx = await InfluxServer.StartAsync(timeout.Token);
        await influx.CreateDatabaseAsync("hung", timeout.Token);
        var metrics = new MonitorMetrics(Prometheus.Metrics.NewCustomRegistry());
        using var http = new HttpClient();
        var options = new InfluxOptions
        {
            Url = influx.Url, Database = "hung", RequestTimeout = TimeSpan.FromSeconds(1),
            InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500), FlushInterval = TimeSpan.FromMilliseconds(100),
        };
        await using var writer = new InfluxWriter(options, http, metrics, TimeProvider.System, NullLogger<InfluxWriter>.Instance);

        await writer.WriteAsync(Points(0, 100));
        await writer.FlushAsync().WaitAsync(timeout.Token);
        influx.Freeze();
        try
        {
            await writer.WriteAsync(Points(100, 200));
            await Until(() => writer.Status.Degraded, "the writer degraded while influxd is frozen", timeout.Token);
            Assert.StartsWith("InfluxDB unreachable for", writer.Status.Describe());
            Assert.Contains("no answer within", writer.Status.LastProblem);
            Assert.Equal(0, metrics.InfluxPointsFailed.Value);
        }
        finally
        {
            influx.Thaw();
        }

        await writer.FlushAsync().WaitAsync(timeout.Token);
        Assert.Equal(300, await CountAsync(influx, "hung", timeout.Token));
        Assert.Equal(0, metrics.InfluxPointsFailed.Value + metrics.InfluxPointsDropped.Value);
        Assert.False(writer.Status.Degraded);
    }

    [Fact]
    public async Task CredentialsRefusedAfterARotation_KeepTheBuffer_AndEveryPointLandsOnceThePasswordsAgree()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var influx = await InfluxServer.StartAsync(("admin", "admin-pw"), timeout.Token);
        await influx.CreateDatabaseAsync("rotated", timeout.Token);
        await influx.QueryAsync(null, "CREATE USER \"writer\" WITH PASSWORD 'old-pw'", timeout.Token);
        await influx.QueryAsync(null, "GRANT WRITE ON \"rotated\" TO \"writer\"", timeout.Token);
        var metrics = new MonitorMetrics(Prometheus.Metrics.NewCustomRegistry());
        using var http = new HttpClient();

        // The monitor already has the new password; the server still has the old one.
        var options = new InfluxOptions
        {
            Url = influx.Url, Database = "rotated", Username = "writer", Password = "new-pw",
            InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500), FlushInterval = TimeSpan.FromMilliseconds(100),
        };
        await using var writer = new InfluxWriter(options, http, metrics, TimeProvider.System, NullLogger<InfluxWriter>.Instance);

        await writer.WriteAsync(Points(0, 50));
        await Until(() => writer.Status.Degraded, "the writer degraded while the password is refused", timeout.Token);
        Assert.StartsWith("InfluxDB refuses the credentials (HTTP 401) for", writer.Status.Describe());
        Assert.DoesNotContain("new-pw", writer.Status.Describe());
        Assert.Equal(0, metrics.InfluxPointsFailed.Value);

        await influx.QueryAsync(null, "SET PASSWORD FOR \"writer\" = 'new-pw'", timeout.Token);
        await writer.FlushAsync().WaitAsync(timeout.Token);

        Assert.Equal(50, await CountAsync(influx, "rotated", timeout.Token));
        Assert.Equal(0, metrics.InfluxPointsFailed.Value + metrics.InfluxPointsDropped.Value);
        Assert.False(writer.Status.Degraded);
    }

    private static MetricPoint[] Points(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new MetricPoint("m", [KeyValuePair.Create("shop", "s1")], [MetricField.Int("v", i)], T0 + i)).ToArray();

    private static async Task<long> CountAsync(InfluxServer influx, string database, CancellationToken cancellationToken)
    {
        var counted = await influx.QueryAsync(database, "SELECT count(\"v\") FROM \"m\"", cancellationToken);
        return counted.Count == 0 ? 0 : counted.Single().Values.Single()[1].GetInt64();
    }

    private static async Task Until(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
