using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 6, "bounded memory": <c>monitor-bench --soak-events</c> in its own process (so no other
/// test's allocations count) with churn of shops and abandoned items; the managed heap after a
/// full collection and the number of /metrics series must stay flat once settled.
/// </summary>
public sealed partial class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Soak_WithChurnOfShopsAndAbandonedItems_KeepsTheHeapAndMetricsSeriesFlat()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "monitor-bench.dll"), "--soak-events", "2000000", "--sample-every", "200000"]);
        var (process, tail) = ServerProcess.Start(start);
        try
        {
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(4)).Token);
        }
        finally
        {
            await ServerProcess.StopAsync(process);
        }

        var log = tail.ToString();
        output.WriteLine(log);
        Assert.True(process.ExitCode == 0, $"the soak did not stay flat (exit {process.ExitCode}):\n{log}");
        Assert.Contains("bench: soak flat", log);

        // Samples: "bench: <wall s> <events> <event days> <heap MB> <series> <events/s>"; skip the first third (filling up).
        var samples = SampleLine().Matches(log)
            .Select(m => (Heap: double.Parse(m.Groups["heap"].Value, CultureInfo.InvariantCulture), Series: int.Parse(m.Groups["series"].Value.Replace(",", ""), CultureInfo.InvariantCulture)))
            .ToArray();
        Assert.True(samples.Length >= 10, $"expected 10 samples or more:\n{log}");
        var settled = samples[(samples.Length / 3)..^1]; // the last sample is taken after the final flush
        Assert.InRange(settled.Max(s => s.Series), 1, settled.Min(s => s.Series) * 1.1);
        Assert.InRange(settled.Max(s => s.Heap), 1, settled.Min(s => s.Heap) * 1.5 + 16);
    }

    [GeneratedRegex(@"^bench:\s+[\d,]+\s+[\d,]+\s+[\d.]+\s+(?<heap>[\d.]+)\s+(?<series>[\d,]+)\s+[\d,]+$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
