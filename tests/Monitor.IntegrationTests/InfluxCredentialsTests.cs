using Monitor.Cli;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>
/// `replay` and `demo` against an influxd with authentication on, the way production runs it: an admin
/// created the database and a retention policy, and the monitor's own user holds only WRITE on it. Both
/// verbs take the InfluxDB settings from `--config` (user name, password file, retention policy) as
/// `run` does.
/// </summary>
public sealed class InfluxCredentialsTests
{
    private const string Database = "secured";
    private const string RetentionPolicy = "kept";

    [Fact]
    public async Task Replay_WithConfig_WritesWithTheFilesCredentials_IntoItsRetentionPolicy()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var influx = await StartSecuredAsync(timeout.Token);
        var directory = Directory.CreateTempSubdirectory("monitor-influx-credentials-").FullName;
        try
        {
            var config = WriteConfig(directory, influx.Url, password: "writer-pw");
            var events = Path.Combine(directory, "events.jsonl");
            Assert.Equal(0, await MonitorCommands.Build().Parse(["simulate", "--out", events, "--duration", "3m"]).InvokeAsync(cancellationToken: timeout.Token));

            var exit = await MonitorCommands.Build()
                .Parse(["replay", "--input", events, "--config", config, "--not-after", "2100-01-01T00:00:00Z"])
                .InvokeAsync(cancellationToken: timeout.Token);

            Assert.Equal(0, exit);
            Assert.True(await CountBacklogAsync(influx, timeout.Token) > 0, "no backlog points in the secured database's retention policy");
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Demo_WithConfig_WritesWithTheFilesCredentials_IntoItsRetentionPolicy()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var influx = await StartSecuredAsync(timeout.Token);
        var directory = Directory.CreateTempSubdirectory("monitor-influx-credentials-").FullName;
        try
        {
            var config = WriteConfig(directory, influx.Url, password: "writer-pw");

            var exit = await MonitorCommands.Build()
                .Parse([
                    "demo", "--duration", "6s", "--speed", "60", "--scenario", "now", "--shops", "5", "--config", config,
                    "--metrics-url", $"http://127.0.0.1:{FreeTcpPort.Next()}",
                ])
                .InvokeAsync(cancellationToken: timeout.Token);

            Assert.Equal(0, exit);
            Assert.True(await CountBacklogAsync(influx, timeout.Token) > 0, "no backlog points in the secured database's retention policy");
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Replay_WithInfluxOnTheCommandLine_TakesTheCredentialsFromTheEnvironment()
    {
        // A child process, so the environment is its own: before, `--influx URL` without a settings
        // file built bare options and the write went without credentials (401, points failed).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var influx = await StartSecuredAsync(timeout.Token);
        var directory = Directory.CreateTempSubdirectory("monitor-influx-credentials-").FullName;
        try
        {
            var events = Path.Combine(directory, "events.jsonl");
            Assert.Equal(0, await MonitorCommands.Build().Parse(["simulate", "--out", events, "--duration", "3m"]).InvokeAsync(cancellationToken: timeout.Token));

            var (exit, output, error) = await ToolRun.RunAsync(
                "dotnet", directory, [("MONITOR_INFLUX_USERNAME", "writer"), ("MONITOR_INFLUX_PASSWORD", "writer-pw")],
                Path.Combine(AppContext.BaseDirectory, "monitor.dll"), "replay", "--input", events, "--influx", influx.Url.ToString(),
                "--database", Database, "--not-after", "2100-01-01T00:00:00Z");

            Assert.True(exit == 0, $"replay exited {exit}: {output}{error}");
            var counted = await influx.QueryAsync(Database, "SELECT count(\"waiting\") FROM \"autogen\".\"backlog\"", timeout.Token);
            Assert.True(counted.Count > 0 && counted.Single().Values.Single()[1].GetInt64() > 0, "no backlog points in the secured database");
            Assert.DoesNotContain("writer-pw", output + error, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Ensure_WithAUserThatHoldsNoGrant_SaysWhatTheAdminMustDo()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var influx = await StartSecuredAsync(timeout.Token);
        await influx.QueryAsync(null, "CREATE USER \"stranger\" WITH PASSWORD 'pw'", timeout.Token);

        var granted = await InfluxDatabase.EnsureAsync(Options(influx.Url, "writer", "writer-pw"), timeout.Token);
        var stranger = await InfluxDatabase.EnsureAsync(Options(influx.Url, "stranger", "pw"), timeout.Token);
        var wrongPassword = await InfluxDatabase.EnsureAsync(Options(influx.Url, "writer", "wrong"), timeout.Token);

        Assert.Null(granted);
        Assert.NotNull(stranger);
        Assert.Contains($"GRANT WRITE ON \"{Database}\" TO \"stranger\"", stranger);
        Assert.NotNull(wrongPassword);
        Assert.Contains("answered 401", wrongPassword);
        Assert.DoesNotContain("wrong", wrongPassword);
    }

    /// <summary>influxd with auth on, an admin, the database with a non-default retention policy, and a user "writer" that may only write to it.</summary>
    private static async Task<InfluxServer> StartSecuredAsync(CancellationToken cancellationToken)
    {
        var influx = await InfluxServer.StartAsync(("admin", "admin-pw"), cancellationToken);
        try
        {
            await influx.QueryAsync(null, $"CREATE DATABASE \"{Database}\"", cancellationToken);
            await influx.QueryAsync(null, $"CREATE RETENTION POLICY \"{RetentionPolicy}\" ON \"{Database}\" DURATION INF REPLICATION 1", cancellationToken);
            await influx.QueryAsync(null, "CREATE USER \"writer\" WITH PASSWORD 'writer-pw'", cancellationToken);
            await influx.QueryAsync(null, $"GRANT WRITE ON \"{Database}\" TO \"writer\"", cancellationToken);
            return influx;
        }
        catch
        {
            await influx.DisposeAsync();
            throw;
        }
    }

    private static string WriteConfig(string directory, Uri influxUrl, string password)
    {
        File.WriteAllText(Path.Combine(directory, "influx-password"), password + "\n");
        var path = Path.Combine(directory, "monitor.yaml");
        File.WriteAllText(path, $"""
            influx:
              url: {influxUrl}
              database: {Database}
              retentionPolicy: {RetentionPolicy}
              username: writer
              passwordFile: influx-password
              flushInterval: 100ms
            """);
        return path;
    }

    private static InfluxOptions Options(Uri url, string user, string password) =>
        new() { Url = url, Database = Database, Username = user, Password = password };

    private static async Task<long> CountBacklogAsync(InfluxServer influx, CancellationToken cancellationToken)
    {
        var counted = await influx.QueryAsync(Database, $"SELECT count(\"waiting\") FROM \"{RetentionPolicy}\".\"backlog\"", cancellationToken);
        return counted.Count == 0 ? 0 : counted.Single().Values.Single()[1].GetInt64();
    }
}
