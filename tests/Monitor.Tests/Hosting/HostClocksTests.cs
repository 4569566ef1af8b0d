using System.Text.RegularExpressions;
using Monitor.Tests.Support;

namespace Monitor.Tests.Hosting;

/// <summary>
/// Issue 17, item 7: the host names its two clocks apart (<see cref="Monitor.Hosting.HostClocks"/>)
/// and takes both from outside; none of its parts reads the system clock itself, so a test (or the
/// demo's scenario clock) controls every notion of "now" the live pipeline has.
/// </summary>
public sealed partial class HostClocksTests
{
    [Fact]
    public void TheLiveHost_ItsWorker_AndTheKafkaInputs_ReadNoSystemClockOfTheirOwn()
    {
        var offenders = new[] { "Hosting", "Kafka", "Influx", "Alerting", "Pipeline", "Output", "Http" }
            .SelectMany(folder => Directory.EnumerateFiles(RepoFiles.Path("src", "Monitor", folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => Path.GetFileName(file) != "HostClocks.cs")
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, number: i + 1)))
            .Where(x => SystemClock().IsMatch(x.line) && !x.line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(x => $"{Path.GetRelativePath(RepoFiles.Root, x.file)}:{x.number}: {x.line.Trim()}")
            .ToArray();

        Assert.True(offenders.Length == 0, "read the clock through HostClocks instead:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void WithEvents_KeepsProcessingOnTheSystemClock()
    {
        var events = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var clocks = Monitor.Hosting.HostClocks.WithEvents(events);
        Assert.Same(events, clocks.Events);
        Assert.Same(TimeProvider.System, clocks.Processing);
        Assert.Same(TimeProvider.System, Monitor.Hosting.HostClocks.System.Events);
    }

    [GeneratedRegex(@"TimeProvider\.System|DateTime(Offset)?\.(UtcNow|Now)\b|Stopwatch\.(StartNew|GetTimestamp)")]
    private static partial Regex SystemClock();
}
