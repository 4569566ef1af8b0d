using System.Diagnostics;

namespace Monitor.IntegrationTests.Servers;

/// <summary>Runs a command line tool (promtool, amtool, <c>dotnet monitor.dll</c>...) to its end and returns its exit code and output.</summary>
internal static class ToolRun
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string tool, string directory, IEnumerable<(string Name, string Value)> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
