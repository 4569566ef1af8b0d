using System.Collections.Concurrent;

namespace Monitor.Cli;

/// <summary>
/// The demo's log: instead of console lines that would tear the live board, entries at or above
/// <paramref name="minimum"/> are kept (the last <paramref name="keep"/>) for the board to show, and
/// counted so the demo can say how many there were when it stops.
/// </summary>
internal sealed class BoardLog(LogLevel minimum = LogLevel.Warning, int keep = 4) : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private long _warnings;
    private long _errors;

    /// <summary>One kept entry: when (wall clock), how bad, who, and the message (with the exception's message, never its stack).</summary>
    public sealed record Entry(DateTimeOffset At, LogLevel Level, string Category, string Message);

    public LogLevel Minimum => minimum;

    /// <summary>Warnings logged so far.</summary>
    public long Warnings => Interlocked.Read(ref _warnings);

    /// <summary>Errors and critical entries logged so far.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The latest entries, oldest first.</summary>
    public IReadOnlyList<Entry> Latest => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, Short(categoryName));

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string category, string message)
    {
        if (level >= LogLevel.Error)
        {
            Interlocked.Increment(ref _errors);
        }
        else if (level == LogLevel.Warning)
        {
            Interlocked.Increment(ref _warnings);
        }

        _entries.Enqueue(new Entry(DateTimeOffset.UtcNow, level, category, message));
        while (_entries.Count > keep && _entries.TryDequeue(out _))
        {
        }
    }

    /// <summary><c>Monitor.Influx.InfluxWriter</c> → <c>InfluxWriter</c>: the board has one line per entry.</summary>
    private static string Short(string category) => category.LastIndexOf('.') is var dot and >= 0 ? category[(dot + 1)..] : category;

    private sealed class Logger(BoardLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            log.Add(logLevel, category, exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
