using Monitor.Observability;
using Monitor.Output;
using Spectre.Console;

namespace Monitor.Cli;

/// <summary>The demo's terminal board: a live table on a terminal, plain lines every 5 s otherwise.</summary>
internal static class DemoBoard
{
    private static readonly string[] Topics = ["chats", "calls", "orders", "agents"];

    public static double Consumed(MonitorMetrics metrics) => Topics.Sum(t => metrics.EventsConsumed.WithLabels(t).Value);

    public static async Task RunAsync(ShopBoard board, MonitorMetrics metrics, TimeProvider scenarioClock, CancellationToken stop)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            await PlainAsync(board, metrics, scenarioClock, stop);
            return;
        }

        await AnsiConsole.Live(Render(board, metrics, scenarioClock, 0))
            .AutoClear(false)
            .StartAsync(async context =>
            {
                var previous = Consumed(metrics);
                while (!stop.IsCancellationRequested)
                {
                    await Delay(TimeSpan.FromSeconds(1), stop);
                    var now = Consumed(metrics);
                    context.UpdateTarget(Render(board, metrics, scenarioClock, now - previous));
                    previous = now;
                }
            });
    }

    private static async Task PlainAsync(ShopBoard board, MonitorMetrics metrics, TimeProvider scenarioClock, CancellationToken stop)
    {
        var previous = Consumed(metrics);
        while (!stop.IsCancellationRequested)
        {
            await Delay(TimeSpan.FromSeconds(5), stop);
            var now = Consumed(metrics);
            var top = board.Top(3);
            var line = string.Join("; ", top.Select(s =>
                $"{s.Shop} waiting {s.Waiting} oldest {s.OldestWaitSeconds:N0}s p90 {(s.ChatP90Seconds is { } p ? $"{p:N0}s" : "-")} level {(s.CrisisLevel?.ToString() ?? "-")}"));
            Console.WriteLine(
                $"[{scenarioClock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):HH:mm:ss} CST] events {now:N0} (+{(now - previous) / 5:N0}/s), shops {board.ShopCount}, " +
                $"invalid {InvalidTotal(metrics):N0}, late {metrics.EventsLate.WithLabels("chats").Value:N0} | {line}");
            previous = now;
        }
    }

    private static Table Render(ShopBoard board, MonitorMetrics metrics, TimeProvider scenarioClock, double perSecond)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand();
        var boundary = board.BoundaryMs is { } b ? DateTimeOffset.FromUnixTimeMilliseconds(b).ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss") : "waiting for the first window";
        table.Title = new TableTitle(
            $"Service Monitor — scenario {scenarioClock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):MM-dd HH:mm:ss} CST, points at {boundary}");
        table.Caption = new TableTitle(
            $"events {Consumed(metrics):N0} ({perSecond:N0}/s) · invalid {InvalidTotal(metrics):N0} · shops {board.ShopCount} · influx written {metrics.InfluxPointsWritten.Value:N0} · Ctrl+C to stop");
        table.AddColumns("Shop", "Waiting (all queues)", "Oldest wait", "Chat reply p90", "Chat replies (5 min)", "CQ (level)", "Complaint hits (5 min)");
        foreach (var shop in board.Top(15))
        {
            var wait = shop.OldestWaitSeconds;
            var colour = wait >= 300 ? "red" : wait >= 120 ? "yellow" : "green";
            table.AddRow(
                shop.Shop,
                shop.Waiting.ToString("N0"),
                $"[{colour}]{FormatSeconds(wait)}[/]",
                shop.ChatP90Seconds is { } p90 ? FormatSeconds(p90) : "-",
                shop.ChatResponses.ToString("N0"),
                shop.CrisisLevel is { } level ? $"[{LevelColour(level)}]{(shop.Cq is { } cq ? cq.ToString("N2") : "∞")} ({level})[/]" : "-",
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
