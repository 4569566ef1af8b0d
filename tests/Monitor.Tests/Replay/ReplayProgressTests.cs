using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Cli;
using Monitor.Core.Metrics;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Replay;
using Monitor.Simulation;
using Prometheus;

namespace Monitor.Tests.Replay;

/// <summary>`monitor replay` shows how far it is: share of the bytes read, rate, time left; on a terminal in place, above the alert history.</summary>
public sealed class ReplayProgressTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replay-progress-").FullName;

    [Fact]
    public void Source_CountsTheBytesReadAcrossFiles_UpToTheirTotalSize()
    {
        var first = Path.Combine(_directory, "a.jsonl");
        var second = Path.Combine(_directory, "b.jsonl");
        File.WriteAllText(first, "{\"x\":1}\n\n{\"x\":22}\n");
        File.WriteAllText(second, "{\"x\":333}\r\n{\"x\":4444}");

        var lines = JsonlSource.Read([first, second]).ToArray();

        var firstSize = new FileInfo(first).Length;
        Assert.Equal([8, firstSize, firstSize + 11, firstSize + new FileInfo(second).Length], lines.Select(l => l.BytesRead));
    }

    [Fact]
    public void Runner_ReportsBytesAgainstTheTotal_AndEndsWithOneDoneReportAtAllOfThem()
    {
        var file = Path.Combine(_directory, "events.jsonl");
        JsonlEventFile.Write(file, new Double11Scenario().Generate(new SimulationOptions { Duration = TimeSpan.FromMinutes(20), Shops = 20 }).ToArray());
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        using var deadLetters = new FileDeadLetterSink(null, NullLogger.Instance);
        var reports = new List<ReplayProgress>();

        new ReplayRunner(new EngineOptions(), metrics, new PointRouter(metrics, []), deadLetters).Run([file], new SyncProgress<ReplayProgress>(reports.Add));

        var size = new FileInfo(file).Length;
        Assert.All(reports, r => Assert.Equal(size, r.TotalBytes));
        Assert.Equal(reports.Select(r => r.BytesRead).Order(), reports.Select(r => r.BytesRead));
        var last = Assert.Single(reports, r => r.Done);
        Assert.True(reports[^1].Done);
        Assert.Equal(size, last.BytesRead);
        Assert.Equal(1.0, last.Fraction);
    }

    [Theory]
    [InlineData(0, 1000, 0, null)]
    [InlineData(250, 1000, 10, 30.0)]
    [InlineData(1000, 1000, 10, 0.0)]
    public void Remaining_IsTheRestAtTheRateSoFar(long read, long total, double elapsedSeconds, double? expectedSeconds)
    {
        var progress = new ReplayProgress(1, null, 1, read, total, TimeSpan.FromSeconds(elapsedSeconds));

        Assert.Equal(expectedSeconds, progress.Remaining?.TotalSeconds);
        Assert.Equal((double)read / total, progress.Fraction);
    }

    [Fact]
    public void Text_ShowsTheBarShareRateTimeLeftAndEventTime()
    {
        var halfway = new ReplayProgress(1_234_567, 1_762_862_579_000, 250_000, 500, 1000, TimeSpan.FromSeconds(65));
        var done = halfway with { BytesRead = 1000, Done = true };

        Assert.Equal(
            "replay [##########··········]  50.0%  1,234,567 lines  250,000 lines/s  ETA 1:05  event time 2025-11-11 12:02:59Z",
            ProgressText.Format(halfway, barWidth: 20));
        Assert.Equal(
            "replay [####################] 100.0%  1,234,567 lines  250,000 lines/s  done  event time 2025-11-11 12:02:59Z",
            ProgressText.Format(done, barWidth: 20));
        Assert.Equal("1:02:03", ProgressText.Duration(TimeSpan.FromSeconds(3723)));
        Assert.Equal("0:01", ProgressText.Duration(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void OnATerminal_LinesWrittenAbove_ClearTheProgressLineAndRedrawItBelow()
    {
        var error = new StringWriter();
        var output = new StringWriter();
        var status = new StatusLine(error, inPlace: true);
        var above = status.Above(output);

        status.Show("replay 10%", TimeSpan.FromSeconds(1));
        above.WriteLine("FIRED ChatOldestWaitHigh");
        status.Show("replay 100%", TimeSpan.FromSeconds(2), final: true);
        above.WriteLine("summary");

        Assert.Equal("\rreplay 10%\u001b[K" + "\r\u001b[K" + "replay 10%" + "\rreplay 100%\u001b[K" + Environment.NewLine, error.ToString());
        Assert.Equal("FIRED ChatOldestWaitHigh" + Environment.NewLine + "summary" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void ALogWarning_DuringTheReplay_LandsAboveTheBar_NotThroughIt()
    {
        // Issue 18 item 7: replay's log went through the console logger, which writes from its own
        // thread straight to stderr, into the middle of the progress line.
        var error = new StringWriter();
        var status = new StatusLine(error, inPlace: true);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 1, 2, 3, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        using var logging = LoggerFactory.Create(builder => builder.AddProvider(new WriterLog(status.Above(error), time)));

        status.Show("replay 10%", TimeSpan.FromSeconds(1));
        logging.CreateLogger("Monitor.Influx.InfluxWriter").LogWarning("InfluxDB write failed (HTTP {Status})", 503);

        Assert.Equal(
            "\rreplay 10%\u001b[K" + "\r\u001b[K" + "01:02:03 warn: Monitor.Influx.InfluxWriter: InfluxDB write failed (HTTP 503)" + Environment.NewLine + "replay 10%",
            error.ToString());
    }

    [Fact]
    public void Redirected_PrintsAPlainLineEveryFiveSeconds_AndTheLast()
    {
        var error = new StringWriter();
        var status = new StatusLine(error, inPlace: false);

        foreach (var second in new[] { 0.25, 0.5, 4.9, 5.3, 6, 10.2, 10.3 })
        {
            status.Show($"at {second}", TimeSpan.FromSeconds(second));
        }

        status.Show("done", TimeSpan.FromSeconds(10.4), final: true);

        Assert.Equal(["at 0.25", "at 5.3", "at 10.3", "done"], error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Same(status.Above(Console.Out), Console.Out);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
