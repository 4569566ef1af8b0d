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

    /// <summary>
    /// A ConfigMap volume as the kubelet writes it: keywords.yaml -> ..data/keywords.yaml, ..data ->
    /// ..v1. An update writes ..v2, points a temporary link at it, renames that over ..data and
    /// deletes ..v1: no event names keywords.yaml.
    /// </summary>
    [Fact]
    public async Task ConfigMapUpdate_SwappingTheDataSymlink_IsSwappedIn()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "..v1"));
        File.WriteAllText(Path.Combine(_directory, "..v1", "keywords.yaml"), Yaml("投诉"));
        Directory.CreateSymbolicLink(Path.Combine(_directory, "..data"), "..v1");
        File.CreateSymbolicLink(FilePath, Path.Combine("..data", "keywords.yaml"));
        var holder = new KeywordDictionaryHolder(KeywordDictionaryLoader.Load(FilePath).Dictionary!);
        using var watcher = new KeywordDictionaryWatcher(FilePath, holder, _time, _logger, Debounce);

        Directory.CreateDirectory(Path.Combine(_directory, "..v2"));
        File.WriteAllText(Path.Combine(_directory, "..v2", "keywords.yaml"), Yaml("差评"));
        Directory.CreateSymbolicLink(Path.Combine(_directory, "..data_tmp"), "..v2");
        Rename(Path.Combine(_directory, "..data_tmp"), Path.Combine(_directory, "..data"));
        Directory.Delete(Path.Combine(_directory, "..v1"), recursive: true);
        await WaitForChange(watcher);

        _time.Advance(Debounce);
        Assert.Equal("差评", Assert.Single(holder.Current.Keywords).Text);
        Assert.Equal(1, watcher.Reloads);
    }

    [Fact]
    public async Task AnotherFileOfTheDirectory_Changing_DoesNotReload()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;
        var before = holder.Current;

        File.WriteAllText(Path.Combine(_directory, "rules.yaml"), "rules: []");
        await WaitForChange(watcher);
        _time.Advance(Debounce);

        Assert.Same(before, holder.Current);
        Assert.Equal(0, watcher.Reloads);
        Assert.Equal(0, watcher.FailedReloads);
    }

    /// <summary>rename(2), which replaces a symlink atomically, as the kubelet does (mv -T).</summary>
    private static void Rename(string from, string to)
    {
        if (LibcRename(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int LibcRename(string from, string to);

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
