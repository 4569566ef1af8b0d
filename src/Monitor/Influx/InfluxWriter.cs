using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Monitor.Core.Points;
using Monitor.Http;
using Monitor.Observability;
using Monitor.Output;

namespace Monitor.Influx;

/// <summary>
/// Writes points to InfluxDB as line protocol over HTTP: a bounded buffer, one background loop that
/// sends a batch when it holds <see cref="InfluxOptions.BatchSize"/> points or when its oldest point
/// has waited <see cref="InfluxOptions.FlushInterval"/>, gzip, and retries with capped exponential
/// backoff and full jitter (honouring <c>Retry-After</c>) on 401, 403 (credentials rotated), 408, 429, 5xx, network errors and timeouts,
/// by default until InfluxDB accepts the batch: an outage fills the buffer instead of losing points.
/// </summary>
/// <remarks>
/// The loop starts in the constructor and stops in <see cref="DisposeAsync"/>. All waiting (batch
/// interval, backoff, request and shutdown timeouts) goes through the injected <see cref="TimeProvider"/>.
/// The <see cref="HttpClient"/> belongs to the caller and is not disposed. Every point accepted ends in
/// exactly one of <c>monitor_influx_points_written_total</c>, <c>_failed_total</c> or <c>_dropped_total</c>.
/// When the buffer is full, <see cref="BufferFullMode.Wait"/> blocks the caller until there is room;
/// <see cref="BufferFullMode.DropOldest"/> blocks it for at most <see cref="InfluxOptions.MaxBlock"/>, then
/// drops the oldest points until the buffer has drained below half, then blocks again (docs/reliability.md).
/// </remarks>
public sealed class InfluxWriter : IPointSink, IBackPressureSink
{
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromMinutes(1);

    private readonly InfluxOptions _options;
    private readonly MonitorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<InfluxWriter> _logger;
    private readonly InfluxSender _sender;
    private readonly Channel<Entry> _channel;
    private readonly StringBuilder _format = new(256);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    // Sequence numbers are assigned under _writeGate in channel order, so a flush can tell from the
    // channel's head whether everything accepted before it has left the buffer.
    private readonly object _writeGate = new();
    private long _lastSequence;
    private long _buffered;
    private long _droppedSinceLog;
    private long _lastDropLog = long.MinValue;
    private bool _dropping; // under _writeGate: the buffer stayed full for MaxBlock; writes drop the oldest points
    private long _holdingSince = long.MinValue; // under _writeGate: when ShouldHoldBoundary began answering true
    private int _lastWrite; // points of the last WriteAsync: the size to expect of the next boundary
    private long _dropped;

    private readonly object _flushGate = new();
    private readonly List<FlushRequest> _flushes = [];
    private TaskCompletionSource _flushSignal = NewSignal();
    private bool _stopped; // under _flushGate: the loop has ended and will complete no more flushes

    private volatile bool _completing;
    private int _disposed;

    /// <summary>Validates <paramref name="options"/> and starts the background loop.</summary>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null (tests pass a fixed one).</param>
    public InfluxWriter(
        InfluxOptions options,
        HttpClient http,
        MonitorMetrics metrics,
        TimeProvider time,
        ILogger<InfluxWriter> logger,
        Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();

        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _sender = new InfluxSender(
            options, http, metrics, time, logger, jitter ?? Random.Shared, () => (Interlocked.Read(ref _buffered), Interlocked.Read(ref _dropped)));

        // Dropping is done by the writers themselves (reading the oldest entry), only once MaxBlock has
        // passed, so the channel always waits and has several readers.
        var channelOptions = new BoundedChannelOptions(options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        };
        _channel = Channel.CreateBounded<Entry>(channelOptions);
        _metrics.InfluxBufferCapacity.Set(options.BufferCapacity);
        _metrics.InfluxUp.Set(1);

        _logger.LogInformation("Writing points to InfluxDB: {Options}", options.ToString());
        _loop = Task.Run(RunAsync);
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        Volatile.Write(ref _lastWrite, points.Count);
        var next = TryWriteFrom(points, 0);
        if (next == points.Count)
        {
            return;
        }

        var blockedAt = _time.GetTimestamp();
        try
        {
            while (true)
            {
                if (!await WaitForRoomAsync(blockedAt, cancellationToken).ConfigureAwait(false))
                {
                    throw new ObjectDisposedException(nameof(InfluxWriter), "The InfluxDB writer was disposed while points were waiting for room.");
                }

                next = TryWriteFrom(points, next);
                if (next == points.Count)
                {
                    return;
                }
            }
        }
        finally
        {
            _metrics.InfluxWriteBlocked.Inc(_time.GetElapsedTime(blockedAt).TotalSeconds);
        }
    }

    /// <summary>
    /// Live back-pressure without blocking the pipeline's thread (so early alerts go on being
    /// judged): true while the next boundary, expected as large as the last write, would not fit in
    /// the buffer (a boundary larger than the whole buffer is never held: waiting could not make it
    /// fit), for at most <see cref="InfluxOptions.MaxBlock"/>. Then <see cref="BufferFullMode.DropOldest"/> starts
    /// dropping the oldest points (false from then on), and <see cref="BufferFullMode.Wait"/> lets the
    /// next write block as before. The time held counts in <c>monitor_influx_write_blocked_seconds_total</c>.
    /// </summary>
    public bool ShouldHoldBoundary()
    {
        StopDroppingIfDrained();
        TimeSpan? held = null;
        var maxBlockPassed = false;
        lock (_writeGate)
        {
            var expected = Volatile.Read(ref _lastWrite);
            var holding = _holdingSince != long.MinValue;
            if (!_dropping && !_completing && expected <= _options.BufferCapacity && _channel.Reader.Count + expected > _options.BufferCapacity)
            {
                var now = _time.GetTimestamp();
                if (!holding)
                {
                    _holdingSince = now;
                    return true;
                }

                if (_time.GetElapsedTime(_holdingSince, now) < _options.MaxBlock)
                {
                    return true;
                }

                maxBlockPassed = true;
            }

            if (_holdingSince != long.MinValue)
            {
                held = _time.GetElapsedTime(_holdingSince);
                _holdingSince = long.MinValue;
            }
        }

        if (held is { } seconds)
        {
            _metrics.InfluxWriteBlocked.Inc(seconds.TotalSeconds);
        }

        if (maxBlockPassed && _options.BufferFullMode == BufferFullMode.DropOldest)
        {
            StartDropping();
        }

        return false;
    }

    /// <summary>What /readyz reports: whether InfluxDB answers, and how full the buffer is.</summary>
    public InfluxWriterStatus Status
    {
        get
        {
            var (failingFor, problem) = _sender.Failing;
            bool dropping;
            lock (_writeGate)
            {
                dropping = _dropping;
            }

            return new InfluxWriterStatus(
                failingFor,
                problem,
                Math.Max(0, Interlocked.Read(ref _buffered)),
                _options.BufferCapacity,
                Interlocked.Read(ref _dropped),
                dropping);
        }
    }

    /// <summary>
    /// Waits until the buffer may have room: true to try again (room, or the writer now drops the
    /// oldest points), false when the writer was disposed.
    /// </summary>
    private async ValueTask<bool> WaitForRoomAsync(long blockedAt, CancellationToken cancellationToken)
    {
        if (_options.BufferFullMode == BufferFullMode.Wait)
        {
            return await _channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false);
        }

        var remaining = _options.MaxBlock - _time.GetElapsedTime(blockedAt);
        if (remaining <= TimeSpan.Zero)
        {
            StartDropping();
            return !_completing;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var room = _channel.Writer.WaitToWriteAsync(stop.Token).AsTask();
        var timeUp = Task.Delay(remaining, _time, stop.Token);
        var first = await Task.WhenAny(room, timeUp).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == room)
        {
            return await room.ConfigureAwait(false);
        }

        StartDropping();
        return !_completing;
    }

    private void StartDropping()
    {
        lock (_writeGate)
        {
            if (_dropping || _completing)
            {
                return;
            }

            _dropping = true;
        }

        _logger.LogWarning(
            "InfluxDB write buffer full ({Capacity} points) for {MaxBlock}: dropping the oldest points until it drains below half, so the pipeline keeps running",
            _options.BufferCapacity, _options.MaxBlock);
    }

    /// <summary>Back to back-pressure once the buffer holds at most half its capacity.</summary>
    private void StopDroppingIfDrained()
    {
        lock (_writeGate)
        {
            if (!_dropping || _channel.Reader.Count > _options.BufferCapacity / 2)
            {
                return;
            }

            _dropping = false;
        }

        _logger.LogInformation(
            "InfluxDB write buffer drained to {Buffered} of {Capacity} points: back to back-pressure, no more drops",
            Interlocked.Read(ref _buffered), _options.BufferCapacity);
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushGate)
        {
            if (_stopped)
            {
                return Task.CompletedTask;
            }

            _flushes.Add(new FlushRequest(Interlocked.Read(ref _lastSequence), done));
            _flushSignal.TrySetResult();
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops accepting points, writes what is buffered (waiting at most <see cref="InfluxOptions.ShutdownTimeout"/>;
    /// points still unwritten then count as failed) and stops the loop.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _loop.ConfigureAwait(false);
            return;
        }

        _completing = true;
        _channel.Writer.TryComplete();
        lock (_flushGate)
        {
            _flushSignal.TrySetResult();
        }

        try
        {
            await _loop.WaitAsync(_options.ShutdownTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning(
                "InfluxDB writer did not finish within {ShutdownTimeout}; giving up on {Points} buffered points",
                _options.ShutdownTimeout, Interlocked.Read(ref _buffered));
            _stopping.Cancel();
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private int TryWriteFrom(IReadOnlyList<MetricPoint> points, int start)
    {
        var accepted = _time.GetTimestamp();
        var i = start;
        StopDroppingIfDrained();
        lock (_writeGate)
        {
            for (; i < points.Count; i++)
            {
                var point = points[i] ?? throw new ArgumentException("Points must not contain null.", nameof(points));
                var sequence = _lastSequence + 1;
                Interlocked.Increment(ref _buffered);

                // Formatted now: the pipeline hands over series points it rewrites at the next boundary.
                _format.Clear();
                var line = LineProtocol.Append(_format, point) ? _format.ToString(0, _format.Length - 1) : null;
                if (!TryEnqueue(new Entry(line, sequence, accepted)))
                {
                    Interlocked.Decrement(ref _buffered);
                    break;
                }

                Interlocked.Exchange(ref _lastSequence, sequence);
            }
        }

        UpdateBufferedGauge();
        return i;
    }

    /// <summary>Under _writeGate. While dropping, makes room by dropping the oldest entry (never once disposing began).</summary>
    private bool TryEnqueue(Entry entry)
    {
        while (!_channel.Writer.TryWrite(entry))
        {
            if (!_dropping || _completing)
            {
                return false;
            }

            if (_channel.Reader.TryRead(out var oldest))
            {
                OnDropped(oldest);
            }
        }

        return true;
    }

    // Under _writeGate.
    private void OnDropped(Entry dropped)
    {
        Interlocked.Decrement(ref _buffered);
        Interlocked.Increment(ref _dropped);
        _metrics.InfluxPointsDropped.Inc();
        _droppedSinceLog++;
        var now = _time.GetTimestamp();
        if (_lastDropLog == long.MinValue || _time.GetElapsedTime(_lastDropLog, now) >= DropLogInterval)
        {
            _logger.LogWarning(
                "InfluxDB write buffer full ({Capacity} points): dropped {Dropped} oldest points since the last warning",
                _options.BufferCapacity, _droppedSinceLog);
            _lastDropLog = now;
            _droppedSinceLog = 0;
        }
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<Entry>(Math.Min(_options.BatchSize, 8192));
        Task<bool>? readable = null;
        Task? deadline = null;
        CancellationTokenSource? deadlineCancel = null;

        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                while (batch.Count < _options.BatchSize && reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }

                if (batch.Count > 0 && deadline is null)
                {
                    var waited = _time.GetElapsedTime(batch[0].AcceptedTimestamp);
                    var remaining = _options.FlushInterval - waited;
                    deadlineCancel = new CancellationTokenSource();
                    deadline = remaining > TimeSpan.Zero
                        ? Task.Delay(remaining, _time, deadlineCancel.Token)
                        : Task.CompletedTask;
                }

                if (batch.Count > 0
                    && (batch.Count >= _options.BatchSize || deadline!.IsCompleted || _completing || HasPendingFlush()))
                {
                    deadlineCancel!.Cancel();
                    deadlineCancel.Dispose();
                    deadlineCancel = null;
                    deadline = null;

                    await SendBatchAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                    CompleteFlushes(reader);
                    continue;
                }

                if (batch.Count == 0)
                {
                    CompleteFlushes(reader);
                }

                readable ??= reader.WaitToReadAsync().AsTask();
                if (readable.IsCompleted)
                {
                    var more = await readable.ConfigureAwait(false);
                    readable = null;
                    if (!more && batch.Count == 0)
                    {
                        break; // completed and drained
                    }

                    if (more)
                    {
                        continue;
                    }
                }

                var wake = readable ?? Task.CompletedTask;
                await (deadline is null ? Task.WhenAny(wake, FlushSignal()) : Task.WhenAny(wake, FlushSignal(), deadline))
                    .ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogCritical(ex, "InfluxDB writer loop failed; buffered points are counted as failed");
        }
        catch (OperationCanceledException)
        {
            // Shutdown timed out; what is left is counted below.
        }
        finally
        {
            deadlineCancel?.Dispose();
            AbandonRemaining(batch, reader);
            lock (_flushGate)
            {
                _stopped = true;
                foreach (var flush in _flushes)
                {
                    flush.Done.TrySetResult();
                }

                _flushes.Clear();
            }
        }
    }

    private void AbandonRemaining(List<Entry> batch, ChannelReader<Entry> reader)
    {
        var failed = batch.Count;
        batch.Clear();
        _channel.Writer.TryComplete();
        while (reader.TryRead(out _))
        {
            failed++;
        }

        if (failed > 0)
        {
            _metrics.InfluxPointsFailed.Inc(failed);
            Interlocked.Add(ref _buffered, -failed);
            UpdateBufferedGauge();
            _logger.LogError("InfluxDB writer stopped with {Points} points unwritten; counted as failed", failed);
        }
    }

    private async Task SendBatchAsync(List<Entry> batch)
    {
        var started = _time.GetTimestamp();
        var settled = 0;
        try
        {
            var lines = new StringBuilder(batch.Count * 96);
            var lineCount = 0;
            foreach (var entry in batch)
            {
                if (entry.Line is { } line)
                {
                    lines.Append(line).Append('\n');
                    lineCount++;
                }
            }

            var skipped = batch.Count - lineCount;
            if (skipped > 0)
            {
                // Only NaN/infinite fields: InfluxDB cannot store such a point, so it is failed, not silently lost.
                _metrics.InfluxPointsFailed.Inc(skipped);
                settled += skipped;
                _logger.LogDebug("Skipped {Points} points with no finite field", skipped);
            }

            if (lineCount == 0)
            {
                return;
            }

            if (await _sender.SendAsync(lines, lineCount, _stopping.Token).ConfigureAwait(false))
            {
                _metrics.InfluxPointsWritten.Inc(lineCount);
            }
            else
            {
                _metrics.InfluxPointsFailed.Inc(lineCount);
            }

            settled += lineCount;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _logger.LogWarning("InfluxDB write of {Points} points abandoned at shutdown", batch.Count - settled);
            _metrics.InfluxPointsFailed.Inc(batch.Count - settled);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "InfluxDB write of {Points} points failed unexpectedly", batch.Count - settled);
            _metrics.InfluxPointsFailed.Inc(batch.Count - settled);
        }
        finally
        {
            _metrics.InfluxWriteDuration.Observe(_time.GetElapsedTime(started).TotalSeconds);
            Interlocked.Add(ref _buffered, -batch.Count);
            UpdateBufferedGauge();
            StopDroppingIfDrained();
        }
    }

    private bool HasPendingFlush()
    {
        lock (_flushGate)
        {
            return _flushes.Count > 0;
        }
    }

    /// <summary>A task that completes when a flush is requested (at once if one is already waiting).</summary>
    private Task FlushSignal()
    {
        lock (_flushGate)
        {
            if (_flushes.Count > 0 || _completing)
            {
                return Task.CompletedTask;
            }

            if (_flushSignal.Task.IsCompleted)
            {
                _flushSignal = NewSignal();
            }

            return _flushSignal.Task;
        }
    }

    /// <summary>Called with no batch in flight: a flush is done once every point up to its sequence has left the buffer.</summary>
    private void CompleteFlushes(ChannelReader<Entry> reader)
    {
        lock (_flushGate)
        {
            if (_flushes.Count == 0)
            {
                return;
            }

            var oldestBuffered = reader.TryPeek(out var head) ? head.Sequence : long.MaxValue;
            for (var i = _flushes.Count - 1; i >= 0; i--)
            {
                if (_flushes[i].UpTo < oldestBuffered)
                {
                    _flushes[i].Done.TrySetResult();
                    _flushes.RemoveAt(i);
                }
            }
        }
    }

    private void UpdateBufferedGauge() => _metrics.InfluxPointsBuffered.Set(Interlocked.Read(ref _buffered));

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A point's line (null when it has no finite field: counted failed when its batch goes).</summary>
    private readonly record struct Entry(string? Line, long Sequence, long AcceptedTimestamp);

    private readonly record struct FlushRequest(long UpTo, TaskCompletionSource Done);
}

/// <summary>The writer's state as /readyz reports it.</summary>
/// <param name="UnreachableFor">How long writes have been failing and retried; null while InfluxDB answers.</param>
/// <param name="LastProblem">Why the last attempt failed, while <paramref name="UnreachableFor"/> is set.</param>
/// <param name="Buffered">Points accepted and not yet written, failed or dropped.</param>
/// <param name="Capacity"><see cref="InfluxOptions.BufferCapacity"/>.</param>
/// <param name="Dropped">Points dropped since the start because the buffer stayed full.</param>
/// <param name="Dropping">The buffer stayed full for <see cref="InfluxOptions.MaxBlock"/> and writes drop the oldest points now.</param>
public sealed record InfluxWriterStatus(TimeSpan? UnreachableFor, string? LastProblem, long Buffered, int Capacity, long Dropped, bool Dropping)
{
    /// <summary>InfluxDB is failing or points are being dropped: the process works, its output lags or loses points.</summary>
    public bool Degraded => UnreachableFor is not null || Dropping;

    /// <summary>E.g. <c>InfluxDB unreachable for 42 s, 63,000 points buffered of 100,000, 0 dropped</c>.</summary>
    public string Describe()
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (UnreachableFor is { } down)
        {
            var seconds = Math.Floor(down.TotalSeconds).ToString("0", culture);
            sb.Append(LastProblem is { } problem && (problem.StartsWith("HTTP 401", StringComparison.Ordinal) || problem.StartsWith("HTTP 403", StringComparison.Ordinal))
                ? $"InfluxDB refuses the credentials ({problem[..8]}) for {seconds} s, "
                : $"InfluxDB unreachable for {seconds} s, ");
        }

        sb.Append(culture, $"{Buffered:N0} points buffered of {Capacity:N0}, {Dropped:N0} dropped");
        if (Dropping)
        {
            sb.Append(", dropping the oldest");
        }

        return sb.ToString();
    }
}
