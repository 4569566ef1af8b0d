using System.Text.RegularExpressions;
using Monitor.IntegrationTests.Servers;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 18 item 7: the demo's board keeps warnings from tearing it. While it runs, every log line of
/// the host, its sinks and its simulator goes onto the board (stdout); stderr gets one summary of
/// them after the board has ended, and nothing else.
/// </summary>
public sealed class DemoConsoleTests
{
    [Fact]
    public async Task Warnings_WhileTheDemoRuns_GoOntoTheBoard_AndStderrHoldsOnlyTheSummaryAtTheEnd()
    {
        var directory = Directory.CreateTempSubdirectory("monitor-demo-console-").FullName;
        try
        {
            // An Alertmanager that is not there: the sink warns on every failed attempt.
            var (exit, output, error) = await ToolRun.RunAsync(
                "dotnet", directory, [], Path.Combine(AppContext.BaseDirectory, "monitor.dll"),
                "demo", "--duration", "6s", "--speed", "200", "--shops", "10",
                "--metrics-url", $"http://127.0.0.1:{FreeTcpPort.Next()}", "--alertmanager", $"http://127.0.0.1:{FreeTcpPort.Next()}");

            Assert.True(exit == 0, $"demo exited {exit}: {error}");
            Assert.Contains("warning AlertmanagerSink: Alertmanager did not take", output, StringComparison.Ordinal);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(new Regex(@"^demo: \d+ warnings and \d+ errors while it ran; the latest:$"), lines[0].TrimEnd());
            Assert.All(lines.Skip(1), line => Assert.StartsWith("  ", line, StringComparison.Ordinal)); // the latest entries, nothing torn in between
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }
}
