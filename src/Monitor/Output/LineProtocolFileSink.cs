using System.Text;
using Monitor.Core.Points;
using Monitor.Influx;

namespace Monitor.Output;

/// <summary>
/// Writes points as InfluxDB line protocol (millisecond timestamps) to a file, UTF-8 without BOM, one
/// <c>'\n'</c>-terminated line per point, exactly in the order given: <c>monitor replay --out</c>.
/// Points with no finite field are left out, as <see cref="InfluxWriter"/> does.
/// </summary>
public sealed class LineProtocolFileSink : IPointSink
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly StreamWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StringBuilder _lines = new();
    private bool _disposed;

    /// <summary>Creates (or truncates) the file; with <paramref name="append"/> adds to an existing one instead.</summary>
    public LineProtocolFileSink(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(
            path,
            append ? FileMode.Append : FileMode.Create,
            FileAccess.Write,
            FileShare.Read,
            bufferSize: 64 * 1024,
            FileOptions.Asynchronous);
        _writer = new StreamWriter(stream, Utf8, bufferSize: 64 * 1024);
    }

    /// <summary>Full path of the file written.</summary>
    public string Path => ((FileStream)_writer.BaseStream).Name;

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _lines.Clear();
            foreach (var point in points)
            {
                LineProtocol.Append(_lines, point);
            }

            foreach (var chunk in _lines.GetChunks())
            {
                await _writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Pushes everything written so far to the file (operating system buffers; no fsync).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_disposed)
            {
                await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
