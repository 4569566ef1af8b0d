using Monitor.Core.Keywords;
using Microsoft.Extensions.Logging;

namespace Monitor.Keywords;

/// <summary>
/// Reloads a keyword file when it changes and swaps it into a <see cref="KeywordDictionaryHolder"/>,
/// so a war room can add a keyword without a restart. File-system events are debounced (default
/// 500 ms after the last one, timed by the injected <see cref="TimeProvider"/>) because editors write
/// a file in several steps. An invalid file keeps the dictionary in force and logs every error.
/// <para>
/// The whole directory is watched and the file's content decides: a Kubernetes ConfigMap update
/// never touches the file's own name (it writes a new <c>..2026_…</c> directory and swaps the
/// <c>..data</c> symlink the file points through), and an editor may save by renaming. So any
/// event in the directory schedules a read; the dictionary is swapped only when the bytes the path
/// resolves to differ from those last loaded.
/// </para>
/// </summary>
public sealed class KeywordDictionaryWatcher : IDisposable
{
    private readonly string _path;
    private readonly KeywordDictionaryHolder _holder;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly FileSystemWatcher _watcher;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _pending;
    private bool _disposed;
    private byte[] _loaded;

    /// <summary>Starts watching <paramref name="path"/>'s directory at once; <paramref name="holder"/> must already hold the dictionary loaded from the file as it is now (its bytes are read here to compare against). <paramref name="debounce"/> defaults to 500 ms.</summary>
    public KeywordDictionaryWatcher(string path, KeywordDictionaryHolder holder, TimeProvider time, ILogger logger, TimeSpan? debounce = null)
    {
        _path = Path.GetFullPath(path);
        _holder = holder;
        _logger = logger;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(500);
        _loaded = ReadOrEmpty(_path); // what the holder was loaded from, just before
        _timer = time.CreateTimer(_ => ReloadNow(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Deleted += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        _watcher.Error += (_, e) => _logger.LogWarning(e.GetException(), "keyword file watcher for {Path} failed; changes may be missed", _path);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>True from a file change until the debounced reload runs.</summary>
    public bool ReloadPending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>Successful reloads (dictionary swaps) so far.</summary>
    public int Reloads { get; private set; }

    /// <summary>Reloads that found an invalid file and kept the dictionary in force.</summary>
    public int FailedReloads { get; private set; }

    /// <summary>
    /// Reads the file now; swaps the dictionary when its content changed and is valid. Returns
    /// false only for an invalid (or unreadable) file.
    /// </summary>
    public bool ReloadNow()
    {
        lock (_gate)
        {
            _pending = false;
            if (_disposed)
            {
                return false;
            }

            var content = ReadOrEmpty(_path);
            if (content.Length > 0 && content.AsSpan().SequenceEqual(_loaded))
            {
                return true; // an event of another file, or a write of the same bytes
            }

            var (dictionary, errors) = KeywordDictionaryLoader.Load(_path);
            if (dictionary is null)
            {
                FailedReloads++;
                foreach (var error in errors)
                {
                    _logger.LogError("keyword file not reloaded, keeping the previous dictionary: {Error}", error.ToString());
                }

                return false;
            }

            _holder.Replace(dictionary);
            _loaded = content;
            Reloads++;
            _logger.LogInformation("keyword file {Path} reloaded: {Keywords} keywords in {Categories} categories", _path, dictionary.Count, dictionary.Categories.Count);
            return true;
        }
    }

    /// <summary>Stops watching; a reload already scheduled does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _watcher.Dispose();
        _timer.Dispose();
    }

    private static byte[] ReadOrEmpty(string path)
    {
        try
        {
            // A file over the cap is not read into memory to be compared: the loader refuses it.
            if (new FileInfo(path).Length > KeywordDictionaryLoader.MaxFileBytes)
            {
                return [];
            }

            return File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pending = true;
            _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
    }
}
