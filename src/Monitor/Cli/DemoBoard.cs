using System.Globalization;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Observability;
using Monitor.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Monitor.Cli;

/// <summary>
/// The demo's terminal board: a live table on a terminal, plain lines every 5 s otherwise. It shows how
/// long the demo has run and has left, and the latest warnings in a section of their own (the demo's
/// log goes to a <see cref="BoardLog"/>, so no log line tears the table).
/// </summary>
internal static class DemoBoard
{
    private static readonly string[] Topics = ["chats", "calls", "orders", "agents"];

    /// <summary>What the board says about the run itself: since when (a <see cref="TimeProvider"/> timestamp), for how long, and its log.</summary>
    public sealed record RunInfo(TimeProvider Clock, long StartedAt, TimeSpan? Limit, BoardLog Log)
    {
        public TimeSpan Elapsed => Clock.GetElapsedTime(StartedAt);
    }

    public static double Consumed(MonitorMetrics metrics) => Topics.Sum(t => metrics.EventsConsumed.WithLabels(t).Value);

    public static async Task RunAsync(ShopBoard board, MonitorMetrics metrics, AlertDispatcher alerts, TimeProvider scenarioClock, RunInfo run, CancellationToken stop)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            await PlainAsync(board, metrics, alerts, scenarioClock, run, stop);
            return;
        }

        await AnsiConsole.Live(Render(board, metrics, alerts.Snapshot(), scenarioClock, 0, run))
            .AutoClear(false)
            .StartAsync(async context =>
            {
                var previous = Consumed(metrics);
                while (!stop.IsCancellationRequested)
                {
                    await Delay(TimeSpan.FromSeconds(1), stop);
                    var now = Consumed(metrics);
                    context.UpdateTarget(Render(board, metrics, alerts.Snapshot(), scenarioClock, now - previous, run));
                    previous = now;
                }
            });
    }

    /// <summary><c>elapsed 1:05 of 2:00, 0:55 left</c>, or <c>elapsed 1:05, until Ctrl+C</c> without a limit.</summary>
    public static string RunTime(TimeSpan elapsed, TimeSpan? limit) => limit is { } total
        ? $"elapsed {ProgressText.Duration(elapsed < total ? elapsed : total, roundUp: false)} of {ProgressText.Duration(total)}, {ProgressText.Duration(total > elapsed ? total - elapsed : TimeSpan.Zero)} left"
        : $"elapsed {ProgressText.Duration(elapsed, roundUp: false)}, until Ctrl+C";

    private static async Task PlainAsync(ShopBoard board, MonitorMetrics metrics, AlertDispatcher alerts, TimeProvider scenarioClock, RunInfo run, CancellationToken stop)
    {
        var previous = Consumed(metrics);
        long logged = 0;
        while (!stop.IsCancellationRequested)
        {
            await Delay(TimeSpan.FromSeconds(5), stop);
            var now = Consumed(metrics);
            var top = board.Top(3);
            var line = string.Join("; ", top.Select(s =>
                $"{s.Shop} waiting {s.Waiting} oldest {s.OldestWaitSeconds:N0}s p90 {(s.ChatP90Seconds is { } p ? $"{p:N0}s" : "-")} level {(s.CrisisLevel?.ToString(CultureInfo.InvariantCulture) ?? "-")}"));
            Console.WriteLine(
                $"[{scenarioClock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):HH:mm:ss} CST, {RunTime(run.Elapsed, run.Limit)}] events {now:N0} (+{(now - previous) / 5:N0}/s), shops {board.ShopCount}, " +
                $"invalid {InvalidTotal(metrics):N0}, late {metrics.EventsLate.WithLabels("chats").Value:N0}, alerts firing {alerts.Snapshot().Active.Count} | {line}");
            previous = now;

            // Entries since the last report, as many as the log still holds.
            var total = run.Log.Warnings + run.Log.Errors;
            foreach (var entry in run.Log.Latest.TakeLast((int)Math.Min(total - logged, int.MaxValue)))
            {
                Console.WriteLine($"  {Label(entry.Level)} {entry.Category}: {entry.Message}");
            }

            logged = total;
        }
    }

    internal static IRenderable Render(ShopBoard board, MonitorMetrics metrics, AlertsSnapshot alerts, TimeProvider scenarioClock, double perSecond, RunInfo run)
    {
        var rows = new List<IRenderable> { Shops(board, metrics, scenarioClock, perSecond, run), Alerts(alerts) };
        if (run.Log.Latest.Count > 0)
        {
            rows.Add(Warnings(run.Log));
        }

        return new Rows(rows);
    }

    /// <summary>The latest warnings and errors, one line each, under the tables instead of through them.</summary>
    private static Table Warnings(BoardLog log)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.Title = new TableTitle($"[yellow]Warnings: {log.Warnings:N0}[/] · [red]errors: {log.Errors:N0}[/] (latest below; the demo lists them again when it stops)");
        table.AddColumns("Time", "Level", "From", "Message");
        foreach (var entry in log.Latest.Reverse())
        {
            table.AddRow(
                entry.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                entry.Level >= LogLevel.Error ? $"[red]{Label(entry.Level)}[/]" : $"[yellow]{Label(entry.Level)}[/]",
                Markup.Escape(entry.Category),
                Markup.Escape(entry.Message.Length <= 200 ? entry.Message : entry.Message[..200] + "…"));
        }

        return table;
    }

    internal static string Label(LogLevel level) => level switch
    {
        LogLevel.Critical => "critical",
        LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        LogLevel.Information => "info",
        _ => level.ToString().ToLowerInvariant(),
    };

    /// <summary>How many alerts fire, by severity, and the latest changes.</summary>
    private static Table Alerts(AlertsSnapshot snapshot)
    {
        var bySeverity = Severities.All.Reverse()
            .Select(severity => (severity, count: snapshot.Active.Count(a => a.Severity == severity)))
            .Where(pair => pair.count > 0)
            .Select(pair => $"[{SeverityColour(pair.severity)}]{pair.count} {pair.severity.Label()}[/]");
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.Title = new TableTitle($"Alerts firing: {snapshot.Active.Count} {(snapshot.Active.Count > 0 ? $"({string.Join(", ", bySeverity)})" : "")} · /api/alerts");
        table.AddColumns("Event time (CST)", "Change", "Severity", "Alert", "Shop", "Value");
        foreach (var change in snapshot.Recent.Take(6))
        {
            table.AddRow(
                DateTimeOffset.FromUnixTimeMilliseconds(change.AtMs).ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                change.Kind.ToString(),
                $"[{SeverityColour(change.Severity)}]{change.Severity.Label()}[/]",
                Markup.Escape(change.Rule),
                Markup.Escape(change.Label("shop") ?? "-"),
                Markup.Escape(change.Annotation("value") ?? "-"));
        }

        return table;
    }

    private static string SeverityColour(Severity severity) => severity switch
    {
        Severity.Critical or Severity.Major => "red",
        Severity.Warning => "yellow",
        _ => "blue",
    };

    private static Table Shops(ShopBoard board, MonitorMetrics metrics, TimeProvider scenarioClock, double perSecond, RunInfo run)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand();
        var boundary = board.BoundaryMs is { } b ? DateTimeOffset.FromUnixTimeMilliseconds(b).ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "waiting for the first window";
        table.Title = new TableTitle(
            $"Service Monitor — scenario {scenarioClock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):MM-dd HH:mm:ss} CST, points at {boundary}");
        table.Caption = new TableTitle(
            $"{RunTime(run.Elapsed, run.Limit)} · events {Consumed(metrics):N0} ({perSecond:N0}/s) · invalid {InvalidTotal(metrics):N0} · shops {board.ShopCount} · influx written {metrics.InfluxPointsWritten.Value:N0} · Ctrl+C to stop");
        table.AddColumns("Shop", "Waiting (all queues)", "Oldest wait", "Chat reply p90", "Chat replies (5 min)", "CQ (level)", "Complaint hits (5 min)");
        foreach (var shop in board.Top(15))
        {
            var wait = shop.OldestWaitSeconds;
            var colour = wait >= 300 ? "red" : wait >= 120 ? "yellow" : "green";
            table.AddRow(
                shop.Shop,
                shop.Waiting.ToString("N0", CultureInfo.InvariantCulture),
                $"[{colour}]{FormatSeconds(wait)}[/]",
                shop.ChatP90Seconds is { } p90 ? FormatSeconds(p90) : "-",
                shop.ChatResponses.ToString("N0", CultureInfo.InvariantCulture),
                shop.CrisisLevel is { } level ? $"[{LevelColour(level)}]{(shop.Cq is { } cq ? cq.ToString("N2", CultureInfo.InvariantCulture) : "∞")} ({level})[/]" : "-",
                shop.ComplaintHits > 0 ? $"[yellow]{shop.ComplaintHits:N0}[/]" : "0");
        }

        return table;
    }

    private static string LevelColour(int level) => level switch
    {
        >= 3 => "red",
        >= 1 => "yellow",
        _ => "green",
    };

    private static double InvalidTotal(MonitorMetrics metrics) =>
        metrics.EventsInvalid.GetAllLabelValues().Sum(labels => metrics.EventsInvalid.WithLabels(labels).Value);

    private static string FormatSeconds(double seconds) =>
        seconds >= 3600 ? $"{seconds / 3600:N1} h" : seconds >= 60 ? $"{seconds / 60:N1} min" : $"{seconds:N0} s";

    private static async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
