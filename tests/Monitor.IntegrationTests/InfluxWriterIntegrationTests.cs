using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Points;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Observability;

namespace Monitor.IntegrationTests;

[Collection(InfluxCollection.Name)]
public sealed class InfluxWriterIntegrationTests(InfluxFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const long T0 = 1_700_000_000_000;

    private readonly InfluxServer _influx = fixture.Server;
    private readonly string _database = $"it_{Guid.NewGuid():N}";
    private readonly MonitorMetrics _metrics = new(Prometheus.Metrics.NewCustomRegistry());
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => _influx.CreateDatabaseAsync(_database);

    public Task DisposeAsync()
    {
        _http.Dispose();
        return _influx.QueryAsync(null, $"DROP DATABASE {InfluxServer.QuoteIdentifier(_database)}");
    }

    private InfluxWriter CreateWriter() => new(
        new InfluxOptions { Url = _influx.Url, Api = InfluxApi.V1, Database = _database, Gzip = true, MaxRetries = 2 },
        _http,
        _metrics,
        TimeProvider.System,
        NullLogger<InfluxWriter>.Instance);

    private static MetricPoint ResponseTime(string shop, long timestampMs, long count, double p50, double ratio) =>
        new(
            "response_time",
            [KeyValuePair.Create("channel", "chat"), KeyValuePair.Create("shop", shop)],
            [MetricField.Int("count", count), MetricField.Float("p50", p50), MetricField.Float("within_sla_ratio", ratio)],
            timestampMs);

    private async Task<IReadOnlyList<IReadOnlyDictionary<string, JsonElement>>> SelectAllAsync(string measurement)
    {
        var series = await _influx.QueryAsync(_database, $"SELECT * FROM {InfluxServer.QuoteIdentifier(measurement)}");
        return series.SelectMany(s => s.Rows).ToArray();
    }

    [Fact]
    public async Task WrittenPoints_LandExactly_IncludingEscapedAndUnicodeTagValues()
    {
        string[] shops = ["旗舰店", "plain", "with space", "with,comma", "with=equals", "all , = three", @"back\slash", @"back\,comma", "emoji 😀"];
        var points = shops.Select((shop, i) => ResponseTime(shop, T0 + i * 10_000, 10 + i, 1.5 + i, 1.0)).ToArray();

        await using (var writer = CreateWriter())
        {
            await writer.WriteAsync(points);
            await writer.FlushAsync().WaitAsync(Patience);
        }

        Assert.Equal(points.Length, _metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, _metrics.InfluxPointsFailed.Value);
        var rows = await SelectAllAsync("response_time");
        Assert.Equal(points.Length, rows.Count);
        foreach (var point in points)
        {
            var row = Assert.Single(rows, r => r["shop"].GetString() == point.Tag("shop"));
            Assert.Equal(point.TimestampMs, row["time"].GetInt64());
            Assert.Equal("chat", row["channel"].GetString());
            Assert.Equal((long)point.Field("count")!.Value.Value, row["count"].GetInt64());
            Assert.Equal(point.Field("p50")!.Value.Value, row["p50"].GetDouble());
            Assert.Equal(1.0, row["within_sla_ratio"].GetDouble());
        }
    }

    [Fact]
    public async Task FieldTypes_IntegersAreIntegerAndWholeNumberFloatsStayFloat()
    {
        await using (var writer = CreateWriter())
        {
            await writer.WriteAsync([ResponseTime("s1", T0, 3, 3.0, 1.0)]);
            await writer.FlushAsync().WaitAsync(Patience);
        }

        var keys = await _influx.QueryAsync(_database, "SHOW FIELD KEYS FROM response_time");
        var types = keys.SelectMany(s => s.Rows).ToDictionary(r => r["fieldKey"].GetString()!, r => r["fieldType"].GetString());
        Assert.Equal("integer", types["count"]);
        Assert.Equal("float", types["p50"]);
        Assert.Equal("float", types["within_sla_ratio"]);
    }

    [Fact]
    public async Task SameSeriesAndTimestamp_SecondWriteOverwrites()
    {
        await using (var writer = CreateWriter())
        {
            await writer.WriteAsync([ResponseTime("旗舰店 one", T0, 1, 0.5, 0.25)]);
            await writer.FlushAsync().WaitAsync(Patience);
            await writer.WriteAsync([ResponseTime("旗舰店 one", T0, 2, 0.75, 0.5)]);
            await writer.FlushAsync().WaitAsync(Patience);
        }

        var row = Assert.Single(await SelectAllAsync("response_time"));
        Assert.Equal(T0, row["time"].GetInt64());
        Assert.Equal(2, row["count"].GetInt64());
        Assert.Equal(0.75, row["p50"].GetDouble());
        Assert.Equal(0.5, row["within_sla_ratio"].GetDouble());
        Assert.Equal(2, _metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task FieldTypeConflict_IsRejectedWith400AndCountedFailedWithoutRetry()
    {
        var asInteger = new MetricPoint("orders", [KeyValuePair.Create("shop", "s1")], [MetricField.Int("paid", 1)], T0);
        var asFloat = new MetricPoint("orders", [KeyValuePair.Create("shop", "s1")], [MetricField.Float("paid", 1.5)], T0 + 10_000);

        await using (var writer = CreateWriter())
        {
            await writer.WriteAsync([asInteger]);
            await writer.FlushAsync().WaitAsync(Patience);
            await writer.WriteAsync([asFloat]);
            await writer.FlushAsync().WaitAsync(Patience);
        }

        Assert.Equal(1, _metrics.InfluxPointsWritten.Value);
        Assert.Equal(1, _metrics.InfluxPointsFailed.Value);
        Assert.Equal(0, _metrics.InfluxRetries.Value);
        var row = Assert.Single(await SelectAllAsync("orders"));
        Assert.Equal(1, row["paid"].GetInt64());
    }

    [Fact]
    public async Task ManyPoints_AcrossSeveralBatches_AllLand()
    {
        var points = Enumerable.Range(0, 12_000)
            .Select(i => ResponseTime($"shop-{i % 50}", T0 + (i / 50) * 10_000, i, i * 0.5, 0.5))
            .ToArray();

        await using (var writer = CreateWriter())
        {
            await writer.WriteAsync(points);
            await writer.FlushAsync().WaitAsync(Patience);
        }

        Assert.Equal(points.Length, _metrics.InfluxPointsWritten.Value);
        Assert.True(_metrics.InfluxWriteDuration.Count >= 3, "12 000 points in batches of 5 000 take at least three requests");
        var count = await _influx.QueryAsync(_database, "SELECT count(\"count\") FROM response_time");
        Assert.Equal(points.Length, Assert.Single(Assert.Single(count).Values)[1].GetInt64());
    }
}
