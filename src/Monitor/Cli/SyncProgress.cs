namespace Monitor.Cli;

/// <summary>
/// Reports progress on the reporting thread, in order. (Progress&lt;T&gt; posts to the thread
/// pool, so its last line could print after the command's summary.)
/// </summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
