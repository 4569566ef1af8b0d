using System.CommandLine;
using Monitor.Cli;

namespace Monitor.Tests.Cli;

public sealed class CheckCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("monitor-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int ExitCode, string Output, string Error) Check(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exitCode = MonitorCommands.Build().Parse(["check", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Rules_Valid_PrintsTheCounts_AndExitsZero()
    {
        var config = Write("monitor.yaml", "metrics:\n  listen: http://127.0.0.1:9464\n");
        var rules = Write("rules.yaml", """
            rules:
              - name: Slow
                metric: backlog.oldest_wait_seconds
                levels: {warning: 300}
            timers:
              - name: Waiting
                queue: chat
                remindAfter: 30m
            """);

        var (exitCode, output, error) = Check("--config", config, "--rules", rules);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"{rules}: ok (1 rule, 1 timer)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_Invalid_ListsEveryProblem_AndExitsOne()
    {
        var config = Write("monitor.yaml", "metrics:\n  listen: http://127.0.0.1:9464\n");
        var rules = Write("rules.yaml", "rules:\n  - name: Slow\n    metric: backlog.wating\n    levels: {warning: 300, major: 100}\n");

        var (exitCode, output, error) = Check("--config", config, "--rules", rules);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.Contains($"{rules}:3:13: rule Slow: metric: unknown field of backlog 'wating'; did you mean 'waiting'?", error, StringComparison.Ordinal);
        Assert.Contains($"{rules}:4:35: rule Slow: levels.major.threshold 100 must be above warning's 300 for direction above", error, StringComparison.Ordinal);
        Assert.Contains($"2 problem(s) in {config}, ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_MissingFile_And_Config_MissingFile_AreClearErrors()
    {
        var config = Path.Combine(_directory, "absent.yaml");
        var rules = Path.Combine(_directory, "absent-rules.yaml");

        var (exitCode, _, error) = Check("--config", config, "--rules", rules);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{config}: file not found", error, StringComparison.Ordinal);
        Assert.Contains($"{rules}: file not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRules_OnlyConfigAndKeywordsAreChecked()
    {
        var config = Write("monitor.yaml", "metrics:\n  listen: http://127.0.0.1:9464\n");

        var (exitCode, output, error) = Check("--config", config);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"{config}: ok (", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
