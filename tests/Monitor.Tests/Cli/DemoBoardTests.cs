using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Monitor.Alerting;
using Monitor.Cli;
using Monitor.Observability;
using Monitor.Output;
using Spectre.Console;

namespace Monitor.Tests.Cli;

/// <summary>The demo board says how long it has run and has left, and shows warnings in a section of their own instead of log lines through the table.</summary>
public sealed class DemoBoardTests
{
    [Theory]
    [InlineData(65.0, 120.0, "elapsed 1:05 of 2:00, 0:55 left")]
    [InlineData(130.0, 120.0, "elapsed 2:00 of 2:00, 0:00 left")]
    [InlineData(65.7, 120.0, "elapsed 1:05 of 2:00, 0:55 left")]
    [InlineData(65.0, null, "elapsed 1:05, until Ctrl+C")]
    public void RunTime_SaysElapsedAndRemaining(double elapsed, double? limit, string expected) =>
        Assert.Equal(expected, DemoBoard.RunTime(TimeSpan.FromSeconds(elapsed), limit is { } l ? TimeSpan.FromSeconds(l) : null));

    [Fact]
    public void BoardLog_KeepsTheLatestEntriesAtTheBar_AndCountsEveryOne()
    {
        var log = new BoardLog(LogLevel.Warning, keep: 2);
        var logger = log.CreateLogger("Monitor.Influx.InfluxWriter");

        logger.LogInformation("below the bar");
        logger.LogWarning("InfluxDB answered {Status}", 503);
        logger.LogError(new HttpRequestException("connection refused"), "write failed");
        logger.LogWarning("third");

        Assert.Equal((2L, 1L), (log.Warnings, log.Errors));
        Assert.Equal(
            [(LogLevel.Error, "InfluxWriter", "write failed (HttpRequestException: connection refused)"), (LogLevel.Warning, "InfluxWriter", "third")],
            log.Latest.Select(e => (e.Level, e.Category, e.Message)));
        Assert.False(logger.IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void Board_ShowsTheRunTime_AndTheWarningsUnderTheTables()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-11T12:00:00Z"));
        var log = new BoardLog();
        var run = new DemoBoard.RunInfo(time, time.GetTimestamp(), TimeSpan.FromMinutes(2), log);
        time.Advance(TimeSpan.FromSeconds(42));
        var metrics = new MonitorMetrics(Prometheus.Metrics.NewCustomRegistry());

        var quiet = Text(DemoBoard.Render(new ShopBoard(), metrics, AlertsSnapshot.Empty, time, 0, run));
        log.CreateLogger("Monitor.Influx.InfluxWriter").LogWarning("InfluxDB at http://127.0.0.1:8086 is unreachable");
        var warned = Text(DemoBoard.Render(new ShopBoard(), metrics, AlertsSnapshot.Empty, time, 0, run));

        Assert.Contains("elapsed 0:42 of 2:00, 1:18 left", quiet);
        Assert.DoesNotContain("Warnings:", quiet);
        Assert.Contains("Warnings: 1", warned);
        Assert.Contains("InfluxDB at http://127.0.0.1:8086 is unreachable", warned);
        Assert.True(warned.IndexOf("Alerts firing", StringComparison.Ordinal) < warned.IndexOf("Warnings: 1", StringComparison.Ordinal), "warnings go under the tables");
    }

    private static string Text(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 240;
        console.Write(renderable);
        return writer.ToString();
    }
}
