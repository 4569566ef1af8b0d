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

    /// <summary>
    /// An editor's atomic save: the new content is written beside the directory and renamed over the
    /// file, which raises exactly one file-system event. (A write in place raises one event per
    /// truncate and write, delivered on the watcher's own thread, so one of them may arrive after the
    /// first has been seen and push the debounce on: a test of the exact debounce cannot use it.)
    /// </summary>
    private void ReplaceAtomically(string content)
    {
        var staging = Directory.CreateTempSubdirectory("keywords-staging-").FullName;
        try
        {
            var staged = Path.Combine(staging, "keywords.yaml");
            File.WriteAllText(staged, content);
            File.Move(staged, FilePath, overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// For writes that raise several events: one may reach the watcher's thread while the test
    /// advances the clock and re-arm the debounce past the new time. So the clock is advanced by a
    /// debounce at a time until the outcome shows (real-time deadline, as for the event itself).
    /// </summary>
    private async Task AdvanceUntil(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            _time.Advance(Debounce);
            if (done())
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 20 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ChangedFile_IsSwappedIn_AfterTheDebounce()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;
        var before = holder.Current;

        ReplaceAtomically(Yaml("差评"));
        await WaitForChange(watcher);

        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Same(before, holder.Current);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotSame(before, holder.Current);
        Assert.Equal("差评", Assert.Single(holder.Current.Keywords).Text);
        Assert.False(watcher.ReloadPending);
        Assert.Equal(1, watcher.Reloads);
    }

    /// <summary>A write in place (truncate, then write) raises several events; the dictionary is swapped once.</summary>
    [Fact]
    public async Task FileWrittenInPlace_IsSwappedInOnce()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;

        File.WriteAllText(FilePath, Yaml("差评"));
        await WaitForChange(watcher);
        await AdvanceUntil(() => watcher.Reloads > 0, "the reload");

        Assert.Equal("差评", Assert.Single(holder.Current.Keywords).Text);
        _time.Advance(Debounce); // any event still on its way reads the same bytes
        Assert.Equal(1, watcher.Reloads);
        Assert.Equal(0, watcher.FailedReloads);
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

        await AdvanceUntil(() => watcher.Reloads > 0, "the reload");
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

        ReplaceAtomically("""
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

    [Fact]
    public async Task AFileOverTheSizeCap_KeepsThePreviousDictionary_AndSaysWhy()
    {
        var (holder, watcher) = Start();
        using var _ = watcher;
        var before = holder.Current;

        ReplaceAtomically("categories:\n  - name: big\n    severity: info\n    keywords: [投诉]\n" + new string('#', (int)KeywordDictionaryLoader.MaxFileBytes));
        await WaitForChange(watcher);
        _time.Advance(Debounce);

        Assert.Same(before, holder.Current);
        Assert.Equal(1, watcher.FailedReloads);
        Assert.Contains(_logger.Messages, m => m.Level == LogLevel.Error && m.Text.Contains("a keyword file may be at most 1,048,576 bytes", StringComparison.Ordinal));
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
