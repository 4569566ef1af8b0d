using Monitor.IntegrationTests.Servers;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>
/// Keyword text is normalised by the runtime (ICU), so the process runs with globalization on:
/// without ICU it must refuse to start with one clear message, and with it no output may depend on
/// the machine's locale.
/// </summary>
public sealed class GlobalizationTests
{
    [Fact]
    public async Task Check_RefusesToStart_WhenTheRuntimeCannotNormaliseUnicode()
    {
        var directory = Directory.CreateTempSubdirectory("monitor-globalization-").FullName;
        try
        {
            var settings = Path.Combine(directory, "monitor.yaml");
            await File.WriteAllTextAsync(settings, $"kafka:\n  bootstrapServers: 127.0.0.1:{FreeTcpPort.Next()}\n");

            var healthy = await MonitorAsync(directory, [], "check", "--config", settings);
            var invariant = await MonitorAsync(directory, [("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")], "check", "--config", settings);

            Assert.True(healthy.ExitCode == 0, healthy.Error);
            Assert.Equal(1, invariant.ExitCode);
            Assert.Contains("Unicode normalisation (NFKC) is unavailable", invariant.Error, StringComparison.Ordinal);
            Assert.Contains("install ICU", invariant.Error, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Replay_UnderAGermanLocale_WritesTheSameBytesAndTheSameSummary()
    {
        var directory = Directory.CreateTempSubdirectory("monitor-globalization-").FullName;
        try
        {
            var events = Path.Combine(directory, "events.jsonl");
            var simulate = await MonitorAsync(directory, [], "simulate", "--out", events, "--duration", "3m");
            Assert.True(simulate.ExitCode == 0, simulate.Error);

            var plain = await ReplayAsync(directory, events, "plain.lp", [("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8")]);
            var german = await ReplayAsync(directory, events, "german.lp", [("LANG", "de_DE.UTF-8"), ("LC_ALL", "de_DE.UTF-8")]);

            Assert.NotEmpty(plain.Points);
            Assert.Equal(plain.Points, german.Points);
            // "replay: 39,527 lines, … points in 0.7 s": the counts, not the time, which varies.
            Assert.StartsWith("replay: ", plain.Summary, StringComparison.Ordinal);
            Assert.Contains(",", plain.Summary, StringComparison.Ordinal);
            Assert.Equal(plain.Summary, german.Summary);
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    private static async Task<(byte[] Points, string Summary)> ReplayAsync(string directory, string events, string output, (string Name, string Value)[] environment)
    {
        var path = Path.Combine(directory, output);
        var replay = await MonitorAsync(directory, environment, "replay", "--input", events, "--out", path, "--not-after", "2100-01-01T00:00:00Z");
        Assert.True(replay.ExitCode == 0, replay.Error);
        var summary = replay.Output.Split('\n').Single(l => l.StartsWith("replay: ", StringComparison.Ordinal));
        return (await File.ReadAllBytesAsync(path), summary[..summary.LastIndexOf(" in ", StringComparison.Ordinal)]);
    }

    private static Task<(int ExitCode, string Output, string Error)> MonitorAsync(string directory, (string Name, string Value)[] environment, params string[] arguments) =>
        ToolRun.RunAsync("dotnet", directory, environment, [Path.Combine(AppContext.BaseDirectory, "monitor.dll"), .. arguments]);
}
