using System.Diagnostics;

namespace Monitor.IntegrationTests;

/// <summary>The deploy/ artifacts are accepted by the real tools that will load them.</summary>
public sealed class DeployArtifactTests
{
    [Fact]
    public async Task PrometheusRules_PassPromtoolCheckAndTheirUnitTests()
    {
        var directory = Path.Combine(RepoRoot(), "deploy", "prometheus");
        var check = await RunAsync("promtool", directory, "check", "rules", "monitor-rules.yml");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 4 rules found", check.Output);

        var test = await RunAsync("promtool", directory, "test", "rules", "monitor-rules.test.yml");
        Assert.True(test.ExitCode == 0, test.Output);
    }

    [Fact]
    public async Task PrometheusConfig_PassesPromtoolCheckConfig()
    {
        // The compose file mounts the rules at /etc/prometheus; check a copy that points at the repo's file.
        var directory = Path.Combine(RepoRoot(), "deploy", "prometheus");
        var copy = Path.Combine(Path.GetTempPath(), $"prometheus-{Guid.NewGuid():N}.yml");
        var text = await File.ReadAllTextAsync(Path.Combine(directory, "prometheus.yml"));
        await File.WriteAllTextAsync(copy, text.Replace("/etc/prometheus/monitor-rules.yml", Path.Combine(directory, "monitor-rules.yml")));
        try
        {
            var check = await RunAsync("promtool", directory, "check", "config", copy);
            Assert.True(check.ExitCode == 0, check.Output);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task AlertmanagerConfig_PassesAmtoolCheckConfig()
    {
        var check = await RunAsync("amtool", RepoRoot(), "check-config", "deploy/alertmanager/alertmanager.yml");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output);
        Assert.Contains("4 inhibit rules", check.Output);
    }

    [Theory]
    [InlineData("alertname=ChatFirstResponseSlow severity=warning team=chat shop=s1", "chat-wechat")]
    [InlineData("alertname=ChatFirstResponseSlow severity=critical team=cs-leads shop=s1", "oncall-pager,cs-leads-email")]
    [InlineData("alertname=ShipOnTimeLow severity=major team=logistics shop=s1", "logistics-email")]
    [InlineData("alertname=RefundWaiting30m severity=notice team=refunds shop=s1", "refunds-email")]
    [InlineData("alertname=CrisisLevelRaised severity=major team=war-room shop=s1", "war-room-webhook")]
    public async Task AlertmanagerConfig_RoutesBySeverityAndTeam(string labels, string receivers)
    {
        var test = await RunAsync(
            "amtool", RepoRoot(),
            ["config", "routes", "test", "--config.file=deploy/alertmanager/alertmanager.yml", $"--verify.receivers={receivers}", .. labels.Split(' ')]);
        Assert.True(test.ExitCode == 0, test.Output);
    }

    internal static string RepoRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Monitor.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("Monitor.sln not found above the test binaries");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
