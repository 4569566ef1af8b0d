using System.Diagnostics;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;

namespace Monitor.Replay;

/// <summary>Counts of one replay.</summary>
public sealed record ReplaySummary(long Lines, long Accepted, long Invalid, long Duplicates, long Late, long Points, TimeSpan Elapsed)
{
    /// <summary>Alert state changes the rule set produced (0 without rules).</summary>
    public long AlertChanges { get; init; }

    /// <summary>Distinct shops of the events applied.</summary>
    public int Shops { get; init; }

    /// <summary>Event time of the earliest and of the latest event applied; null when none was.</summary>
    public long? FirstEventMs { get; init; }

    /// <summary>See <see cref="FirstEventMs"/>.</summary>
    public long? LastEventMs { get; init; }
}

/// <summary>Progress of a replay, reported about four times a second and once at the end.</summary>
/// <param name="BytesRead">Bytes of the input files read so far.</param>
/// <param name="TotalBytes">Size of all the input files at the start.</param>
/// <param name="Elapsed">Time since the replay started.</param>
public readonly record struct ReplayProgress(long Lines, long? EventTimeMs, double LinesPerSecond, long BytesRead = 0, long TotalBytes = 0, TimeSpan Elapsed = default)
{
    /// <summary>The last report: the replay has finished (windows flushed).</summary>
    public bool Done { get; init; }

    /// <summary>Share of the input read, 0..1 (1 for empty input).</summary>
    public double Fraction => TotalBytes <= 0 ? 1 : Math.Clamp((double)BytesRead / TotalBytes, 0, 1);

    /// <summary>Time left at the rate so far; null before anything was read.</summary>
    public TimeSpan? Remaining => BytesRead <= 0 || Elapsed <= TimeSpan.Zero
        ? null
        : TimeSpan.FromSeconds(Math.Max(0, TotalBytes - BytesRead) * Elapsed.TotalSeconds / BytesRead);
}

/// <summary>
/// Runs JSONL events through the same pipeline as live mode, in pure event time: no clock ticks,
/// the watermark moves only with the events, and the end of input flushes the last windows.
/// Same events in any order within the lateness give the same points, and with a rule set the
/// same alert history (the what-if test of thresholds before a sale).
/// </summary>
public sealed class ReplayRunner(EngineOptions engine, MonitorMetrics metrics, PointRouter router, IDeadLetterSink deadLetters, int dedupCapacity = 1_000_000)
{
    /// <summary>Rules to evaluate over the replay; their changes go to <see cref="AlertChanged"/> and the <c>alerts</c> measurement.</summary>
    public AlertRuleSet? AlertRules { get; init; }

    /// <summary>Called with each alert change of <see cref="AlertRules"/>, in event time (the printed history, the noise report).</summary>
    public Action<AlertChange>? AlertChanged { get; init; }

    /// <summary>
    /// Latest acceptable event time: later events are rejected as <c>future_timestamp</c> so an
    /// absurd timestamp cannot move the watermark ahead and make every other event late. Null: only
    /// the decoder's 2000..2100 range applies.
    /// </summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>
    /// Events further behind the newest event applied so far than this are rejected as <c>too_old</c>
    /// (the live rule, with the replay's own event time for the clock); null: the engine's
    /// <see cref="EngineOptions.DefaultMaxAge"/>.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Replays <paramref name="files"/> (JSONL, in the order given) through the pipeline and flushes
    /// the last windows; <paramref name="progress"/> hears about four times a second and once at the end.
    /// </summary>
    public ReplaySummary Run(IEnumerable<string> files, IProgress<ReplayProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long? notAfterMs = NotAfter?.ToUnixTimeMilliseconds();
        var maxAgeMs = (long)(MaxAge ?? engine.DefaultMaxAge).TotalMilliseconds;
        long? eventTime = null;
        long? firstEventTime = null;
        var shops = new HashSet<string>(StringComparer.Ordinal);
        var intake = new EventIntake(
            new EventDecoder(), new EventIdDeduplicator(dedupCapacity), metrics, deadLetters, () => notAfterMs, () => eventTime - maxAgeMs)
        {
            ReuseEvents = true,
            Admission = ShopAdmission.For(engine),
        };
        long lines = 0;
        long late = 0;
        long bytesRead = 0;
        var inputFiles = files as IReadOnlyCollection<string> ?? files.ToArray();
        var totalBytes = inputFiles.Sum(file => new FileInfo(file).Length);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;

        var inputs = Observable.Create<PipelineInput>(observer =>
        {
            foreach (var line in JsonlSource.Read(inputFiles))
            {
                cancellationToken.ThrowIfCancellationRequested();
                lines++;
                bytesRead = line.BytesRead;
                var topic = line.FileTopic is { } name && Names.TryParseTopic(name, out var parsed) ? parsed : (Topic?)null;
                var e = intake.Accept(line.FileTopic ?? "unknown", topic, null, line.Bytes, $"{line.File}:{line.LineNumber}");
                if (e is not null)
                {
                    eventTime = Math.Max(eventTime ?? long.MinValue, e.TimestampMs);
                    firstEventTime = Math.Min(firstEventTime ?? long.MaxValue, e.TimestampMs);
                    shops.Add(e.ShopId);
                    observer.OnNext(PipelineInput.Of(e));
                }

                if (progress is not null && (lines & 1023) == 0 && clock.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    progress.Report(new ReplayProgress(lines, eventTime, lines / clock.Elapsed.TotalSeconds, bytesRead, totalBytes, clock.Elapsed));
                }
            }

            observer.OnCompleted();
            return Disposable.Empty;
        });

        long alertChanges = 0;
        var hooks = new PipelineHooks
        {
            AlertChanged = change =>
            {
                alertChanges++;
                AlertChanged?.Invoke(change);
            },
            Late = e =>
            {
                late++;
                metrics.EventsLate.WithLabels(Names.Of(e.Topic)).Inc();
            },
            Refused = (e, verdict) => intake.Refused(e, verdict, engine),
        };

        Exception? failure = null;
        using (inputs.ToMetricPoints(engine, hooks, AlertRules, borrowPoints: true).Subscribe(router.Publish, error => failure = error))
        {
        }

        if (failure is not null)
        {
            throw failure is OperationCanceledException ? failure : new InvalidOperationException($"replay failed: {failure.Message}", failure);
        }

        // Every byte was read, blank lines at the end included.
        progress?.Report(new ReplayProgress(lines, eventTime, lines / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), totalBytes, totalBytes, clock.Elapsed) { Done = true });
        return new ReplaySummary(lines, intake.Accepted, intake.Invalid, intake.Duplicates, late, router.PointsRouted, clock.Elapsed) 
        {
            AlertChanges = alertChanges,
            Shops = shops.Count,
            FirstEventMs = firstEventTime,
            LastEventMs = eventTime,
        };
    }
}
