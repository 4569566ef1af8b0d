using Monitor.Replay;

namespace Monitor.Cli;

/// <summary>The one-line progress of <c>monitor replay</c>: a bar, the share read, lines and their rate, the time left, the event time reached.</summary>
internal static class ProgressText
{
    /// <summary>e.g. <c>replay [##########··········]  50.0%  1,234,567 lines  250,000 lines/s  ETA 0:05  event time 2025-11-11 13:02:59Z</c>.</summary>
    public static string Format(ReplayProgress progress, int barWidth = 24)
    {
        var filled = (int)Math.Floor(progress.Fraction * barWidth);
        var bar = new string('#', filled) + new string('·', barWidth - filled);
        var eta = progress.Done ? "done" : progress.Remaining is { } left ? "ETA " + Duration(left) : "ETA -";
        var eventTime = progress.EventTimeMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("u") : "-";
        return $"replay [{bar}] {progress.Fraction * 100,5:0.0}%  {progress.Lines:N0} lines  {progress.LinesPerSecond:N0} lines/s  {eta}  event time {eventTime}";
    }

    /// <summary><c>m:ss</c>, or <c>h:mm:ss</c> from an hour on; rounded up (a time left), or down with <paramref name="roundUp"/> false (a time elapsed).</summary>
    public static string Duration(TimeSpan value, bool roundUp = true)
    {
        var exact = Math.Max(0, value.TotalSeconds);
        var seconds = (long)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        return seconds >= 3600 ? $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}" : $"{seconds / 60}:{seconds % 60:00}";
    }
}
