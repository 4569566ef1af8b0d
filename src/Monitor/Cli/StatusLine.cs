using System.Text;

namespace Monitor.Cli;

/// <summary>
/// A progress line on stderr. On a terminal it is redrawn in place (carriage return, erase to the end
/// of the line), and <see cref="Above"/> gives a writer whose lines appear above it instead of through
/// it. Redirected, it becomes a plain line every <see cref="PlainInterval"/> and one at the end, for logs.
/// </summary>
internal sealed class StatusLine(TextWriter error, bool inPlace)
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private string? _shown;
    private TimeSpan? _lastPlain;

    /// <summary>For the console: in place when stderr is a terminal.</summary>
    public static StatusLine ForConsole() => new(Console.Error, inPlace: !Console.IsErrorRedirected);

    /// <param name="elapsed">Time since the work started (throttles the plain lines).</param>
    /// <param name="final">The last update: it stays on screen and the line ends.</param>
    public void Show(string text, TimeSpan elapsed, bool final = false)
    {
        lock (_gate)
        {
            if (inPlace)
            {
                error.Write("\r" + text + "\u001b[K");
                _shown = final ? null : text;
                if (final)
                {
                    error.WriteLine();
                }

                error.Flush();
                return;
            }

            if (final || _lastPlain is null || elapsed - _lastPlain >= PlainInterval)
            {
                _lastPlain = elapsed;
                error.WriteLine(text);
            }
        }
    }

    /// <summary>A writer over <paramref name="inner"/> (stdout) that clears the progress line before each write and redraws it after a line ends.</summary>
    public TextWriter Above(TextWriter inner) => inPlace ? new ClearingWriter(this, inner) : inner;

    private void Around(Action write, bool lineEnded)
    {
        lock (_gate)
        {
            if (_shown is not null)
            {
                error.Write("\r\u001b[K");
                error.Flush();
            }

            write();
            if (_shown is not null && lineEnded)
            {
                error.Write(_shown);
                error.Flush();
            }
        }
    }

    private sealed class ClearingWriter(StatusLine status, TextWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value) => status.Around(() => { inner.Write(value); inner.Flush(); }, value == '\n');

        public override void Write(string? value) => status.Around(() => { inner.Write(value); inner.Flush(); }, value?.EndsWith('\n') == true);

        public override void WriteLine(string? value) => status.Around(() => { inner.WriteLine(value); inner.Flush(); }, lineEnded: true);

        public override void Flush() => inner.Flush();
    }
}
