using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Monitor.Cli;

/// <summary>
/// A logger provider that writes one line per entry (<c>13:05:09 warn: Category: message</c>, the
/// exception's message but never its stack) straight to a writer, on the caller's thread. A verb that
/// shows a progress line logs through <see cref="StatusLine.Above"/> with it, so a warning lands above
/// the bar instead of through it (the console logger writes from its own thread, whenever it likes).
/// </summary>
internal sealed class WriterLog(TextWriter output, TimeProvider time) : ILoggerProvider
{
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{time.GetLocalNow():HH:mm:ss} {Label(level)}: {category}: {message}");
        lock (_gate)
        {
            output.WriteLine(line);
        }
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(WriterLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            owner.Write(logLevel, category, exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
