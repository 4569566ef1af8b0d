using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Keywords;
using Monitor.Keywords;

namespace Monitor.Tests.Keywords;

public sealed class KeywordDictionaryWatcherTests : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);

    private readonly string _directory = Directory.CreateTempSubdirectory("keywords-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _logger = new();

    private string FilePath => Path.Combine(_directory, "keywords.yaml");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Yaml(string keyword) => $"""
        categories:
          - name: complaint
            severity: warning
            keywords: [{keyword}]
        """;

    private (KeywordDictionaryHolder Holder, KeywordDictionaryWatcher Watcher) Start()
    {
        File.WriteAllText(FilePath, Yaml("投诉"));
        var (initial, errors) = KeywordDictionaryLoader.Load(FilePath);
        Assert.Empty(errors);
        var holder = new KeywordDictionaryHolder(initial!);
        return (holder, new KeywordDictionaryWatcher(FilePath, holder, _time, _logger, Debounce));
    }

    /// <summary>Waits for the file-system event itself (real time, with a deadline); the debounce is virtual.</summary>
    private static async Task WaitForChange(KeywordDictionaryWatcher watcher)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!watcher.ReloadPending)
        {
            Assert.True(DateTime.UtcNow < deadline, "the watcher saw no file-system event within 20 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ChangedFile_IsSwappedIn_AfterTheDebounce()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;
        var before = holder.Current;

        File.WriteAllText(FilePath, Yaml("差评"));
        await WaitForChange(watcher);

        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Same(before, holder.Current);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotSame(before, holder.Current);
        Assert.Equal("差评", Assert.Single(holder.Current.Keywords).Text);
        Assert.False(watcher.ReloadPending);
        Assert.Equal(1, watcher.Reloads);
    }

    [Fact]
    public async Task InvalidFile_KeepsThePreviousDictionary_AndLogsTheErrors()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;
        var before = holder.Current;

        File.WriteAllText(FilePath, """
            categories:
              - name: complaint
                severity: urgent
                keywords: [投诉]
            """);
        await WaitForChange(watcher);
        _time.Advance(Debounce);

        Assert.Same(before, holder.Current);
        Assert.Equal(1, watcher.FailedReloads);
        Assert.Contains(_logger.Messages, m => m.Level == LogLevel.Error && m.Text.Contains(":3:15: severity must be info, warning or critical", StringComparison.Ordinal));
    }

    private sealed class ListLogger : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<(LogLevel Level, string Text)> _messages = [];

        public IReadOnlyList<(LogLevel Level, string Text)> Messages
        {
            get
            {
                lock (_gate)
                {
                    return [.. _messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _messages.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
