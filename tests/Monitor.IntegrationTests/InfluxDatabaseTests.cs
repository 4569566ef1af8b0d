using Monitor.Cli;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>`demo --influx` and `replay --influx` against a fresh influxd: the database is created, not a 404 per batch.</summary>
public sealed class InfluxDatabaseTests
{
    [Fact]
    public async Task Ensure_CreatesAMissingDatabase_AndIsANoOpWhenItExists()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var influx = await InfluxServer.StartAsync(timeout.Token);
        var options = new InfluxOptions { Url = influx.Url, Database = "war \"room\" 11" };

        Assert.Null(await InfluxDatabase.EnsureAsync(options, timeout.Token));
        Assert.Null(await InfluxDatabase.EnsureAsync(options, timeout.Token));

        var databases = await influx.QueryAsync(null, "SHOW DATABASES", timeout.Token);
        Assert.Contains(databases.SelectMany(s => s.Values), row => row[0].GetString() == "war \"room\" 11");
    }

    [Fact]
    public async Task Ensure_SaysWhichServerIsUnreachable()
    {
        var url = new Uri($"http://127.0.0.1:{FreeTcpPort.Next()}/");

        var problem = await InfluxDatabase.EnsureAsync(new InfluxOptions { Url = url, Database = "monitor" });

        Assert.NotNull(problem);
        Assert.StartsWith($"InfluxDB at {url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)} is unreachable", problem);
    }

    [Fact]
    public async Task Replay_WritesIntoADatabaseThatDidNotExist()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var influx = await InfluxServer.StartAsync(timeout.Token);
        var directory = Directory.CreateTempSubdirectory("monitor-replay-influx-").FullName;
        try
        {
            var events = Path.Combine(directory, "events.jsonl");
            Assert.Equal(0, await MonitorCommands.Build().Parse(["simulate", "--out", events, "--duration", "3m"]).InvokeAsync(cancellationToken: timeout.Token));

            var exit = await MonitorCommands.Build()
                .Parse(["replay", "--input", events, "--influx", influx.Url.ToString(), "--database", "fresh", "--not-after", "2100-01-01T00:00:00Z"])
                .InvokeAsync(cancellationToken: timeout.Token);

            Assert.Equal(0, exit);
            var counted = await influx.QueryAsync("fresh", "SELECT count(\"waiting\") FROM \"backlog\"", timeout.Token);
            Assert.True(counted.Single().Values.Single()[1].GetInt64() > 0, "no backlog points in the database replay created");
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Demo_WritesIntoADatabaseThatDidNotExist()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var influx = await InfluxServer.StartAsync(timeout.Token);

        var exit = await MonitorCommands.Build()
            .Parse([
                "demo", "--duration", "6s", "--speed", "60", "--scenario", "now", "--shops", "5",
                "--influx", influx.Url.ToString(), "--database", "fresh", "--metrics-url", $"http://127.0.0.1:{FreeTcpPort.Next()}",
            ])
            .InvokeAsync(cancellationToken: timeout.Token);

        Assert.Equal(0, exit);
        var counted = await influx.QueryAsync("fresh", "SELECT count(\"waiting\") FROM \"backlog\"", timeout.Token);
        Assert.True(counted.Single().Values.Single()[1].GetInt64() > 0, "no backlog points in the database the demo created");
    }

    [Fact]
    public async Task Demo_WithAnUnreachableInflux_SaysSoInOneLine_AndExits1BeforeItStarts()
    {
        var url = $"http://127.0.0.1:{FreeTcpPort.Next()}/";
        var directory = Directory.CreateTempSubdirectory("monitor-demo-influx-").FullName;
        try
        {
            var (exit, output, error) = await ToolRun.RunAsync(
                "dotnet", directory, [], Path.Combine(AppContext.BaseDirectory, "monitor.dll"),
                "demo", "--duration", "30s", "--influx", url, "--metrics-url", $"http://127.0.0.1:{FreeTcpPort.Next()}");

            Assert.Equal(1, exit);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"demo: InfluxDB at {url} is unreachable", line, StringComparison.Ordinal);
            Assert.EndsWith("(start InfluxDB 1.x, or leave out --influx)", line, StringComparison.Ordinal);
            Assert.DoesNotContain("events consumed", output, StringComparison.Ordinal); // it never ran
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }
}
