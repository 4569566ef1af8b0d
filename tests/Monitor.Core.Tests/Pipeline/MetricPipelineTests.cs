using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Pipeline;

public sealed class MetricPipelineTests
{
    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.FromSeconds(30),
    };

    private readonly ChatEvents _chat = new();

    [Fact]
    public void ToMetricPoints_FlushesTheLastWindows_OnCompletion()
    {
        using var inputs = new Subject<PipelineInput>();
        var batches = new List<IReadOnlyList<MetricPoint>>();
        var completed = false;
        using var subscription = inputs.ToMetricPoints(Options).Subscribe(batches.Add, ex => Assert.Fail(ex.ToString()), () => completed = true);

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(1))));
        inputs.OnNext(PipelineInput.Of(_chat.Agent("c1", At(4))));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c2", At(12))));
        Assert.Empty(batches);

        inputs.OnCompleted();

        Assert.True(completed);
        var last = Assert.Single(batches);
        Assert.Equal([At(10), At(20)], last.Select(p => p.TimestampMs).Distinct().Order());
        var response = Assert.Single(last, p => p.Measurement == Measurements.ResponseTime && p.TimestampMs == At(10));
        Assert.Equal(3.0, response.Value("max"));
        var backlog = Assert.Single(last, p => p.Measurement == Measurements.Backlog && p.TimestampMs == At(20));
        Assert.Equal(1, backlog.Value("waiting"));
        Assert.Equal(8.0, backlog.Value("oldest_wait_seconds"));
    }

    [Fact]
    public void ToMetricPoints_EmitsABatchInsideTheOnNextThatPassedTheBoundary()
    {
        using var inputs = new Subject<PipelineInput>();
        var batches = new List<IReadOnlyList<MetricPoint>>();
        using var subscription = inputs.ToMetricPoints(Options).Subscribe(batches.Add);

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(1))));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c2", At(39.999))));
        Assert.Empty(batches);

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c3", At(40))));

        var batch = Assert.Single(batches);
        var backlog = Assert.Single(batch);
        Assert.Equal(At(10), backlog.TimestampMs);
        Assert.Equal(9.0, backlog.Value("oldest_wait_seconds"));
    }

    [Fact]
    public void ToMetricPoints_EmptyReplay_CompletesWithoutPoints()
    {
        var batches = new List<IReadOnlyList<MetricPoint>>();
        var completed = false;

        Observable.Empty<PipelineInput>().ToMetricPoints(Options).Subscribe(batches.Add, () => completed = true);

        Assert.True(completed);
        Assert.Empty(batches);
    }

    [Fact]
    public void ToMetricPoints_PassesInputErrorsOn()
    {
        var failure = new InvalidOperationException("broker gone");
        Exception? seen = null;

        Observable.Throw<PipelineInput>(failure).ToMetricPoints(Options).Subscribe(_ => { }, ex => seen = ex);

        Assert.Same(failure, seen);
    }

    [Fact]
    public void ToMetricPoints_EachSubscriptionRunsItsOwnEngine()
    {
        var replay = new[] { _chat.Customer("c1", At(1)), _chat.Agent("c1", At(2)) }.Select(PipelineInput.Of).ToObservable();
        var points = replay.ToMetricPoints(Options);

        var first = points.SelectMany(batch => batch).Select(p => p.Describe()).ToList().Wait();
        var second = points.SelectMany(batch => batch).Select(p => p.Describe()).ToList().Wait();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void LiveMode_ClockTicks_AdvanceAnIdleStream_SoBacklogAgeGrows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(At(0)));
        using var events = new Subject<MonitorEvent>();
        var watermarks = new List<long>();
        var inputs = events.Select(PipelineInput.Of)
            .Merge(MetricPipeline.ClockTicks(clock, TimeSpan.FromSeconds(1)).Select(PipelineInput.Clock));
        var points = new List<MetricPoint>();
        using var subscription = inputs
            .ToMetricPoints(Options, new PipelineHooks { WatermarkAdvanced = watermarks.Add })
            .Subscribe(points.AddRange, ex => Assert.Fail(ex.ToString()));

        events.OnNext(_chat.Customer("c1", At(0)));
        for (var second = 1; second <= 120; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Watermark = clock − lateness = T0 + 90 s: boundaries 10..90 are out, with no further event.
        var ages = points.Where(p => p.Measurement == Measurements.Backlog).Select(p => (p.TimestampMs, Age: p.Value("oldest_wait_seconds"))).ToList();
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (At(i * 10), i * 10.0)), ages);
        Assert.All(points.Where(p => p.Measurement == Measurements.Backlog), p => Assert.Equal(1, p.Value("waiting")));
        Assert.Equal(At(90), watermarks[^1]);
        Assert.True(watermarks.Zip(watermarks.Skip(1)).All(pair => pair.First < pair.Second), "the watermark went backwards or repeated");
    }

    [Fact]
    public void LiveMode_ClockBehindTheEvents_DoesNotMoveTheWatermarkBack()
    {
        using var inputs = new Subject<PipelineInput>();
        var watermarks = new List<long>();
        using var subscription = inputs.ToMetricPoints(Options, new PipelineHooks { WatermarkAdvanced = watermarks.Add }).Subscribe(_ => { });

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(100))));
        inputs.OnNext(PipelineInput.Clock(At(50)));
        inputs.OnNext(PipelineInput.Clock(At(130)));

        Assert.Equal([At(70), At(100)], watermarks);
    }

    [Fact]
    public void StateMeasured_ReportsShopsAndItems_OncePerStepTheWatermarkPasses()
    {
        using var inputs = new Subject<PipelineInput>();
        var measured = new List<(long WatermarkStep, int Shops, long Items)>();
        long watermark = 0;
        var hooks = new PipelineHooks
        {
            WatermarkAdvanced = w => watermark = w,
            StateMeasured = (shops, items) => measured.Add((watermark / 10_000, shops, items)),
        };
        using var subscription = inputs.ToMetricPoints(Options, hooks).Subscribe(_ => { });

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(100))));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c2", At(101))));            // same step: not measured again
        inputs.OnNext(PipelineInput.Of(_chat.Customer("x1", At(112), shop: "s2"))); // the watermark enters the next step
        inputs.OnNext(PipelineInput.Of(_chat.Closed("c1", At(113))));

        Assert.Equal([(At(70) / 10_000, 1, 1L), (At(82) / 10_000, 2, 3L)], measured);
    }

    [Fact]
    public void StateMeasured_CountsTheShopsALookBackRebuildHandsOver_ThoughTheWatermarkStaysPut()
    {
        using var inputs = new Subject<PipelineInput>();
        var measured = new List<(int Shops, long Items)>();
        using var subscription = inputs.ToMetricPoints(Options, new PipelineHooks { StateMeasured = (shops, items) => measured.Add((shops, items)) }).Subscribe(_ => { });

        // Partition 0 has moved the watermark when partition 1 arrives: its events are rebuilt apart.
        inputs.OnNext(PipelineInput.SourceOpened(0));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c0", At(200), shop: "s0"), source: 0));
        inputs.OnNext(PipelineInput.SourceOpened(1));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(100)), source: 1));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c2", At(101)), source: 1));
        Assert.Equal(1, measured[^1].Shops);

        // Caught up: the rebuilt shop joins at the same watermark, and the gauges say so.
        inputs.OnNext(PipelineInput.SourceIdle(1));
        Assert.Equal((2, 3L), measured[^1]);
    }

    [Fact]
    public void ClockTicks_ReadTheTimeProvider_OncePerPeriod_UntilDisposed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(At(0)));
        var ticks = new List<long>();
        using (MetricPipeline.ClockTicks(clock, TimeSpan.FromSeconds(5)).Subscribe(ticks.Add))
        {
            clock.Advance(TimeSpan.FromSeconds(4));
            Assert.Empty(ticks);
            clock.Advance(TimeSpan.FromSeconds(1));
            clock.Advance(TimeSpan.FromSeconds(5));
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal([At(5), At(10), At(15)], ticks);
    }

    [Fact]
    public void Hooks_Late_IsInvokedForEachLateEvent_Only()
    {
        using var inputs = new Subject<PipelineInput>();
        var late = new List<MonitorEvent>();
        using var subscription = inputs.ToMetricPoints(Options, new PipelineHooks { Late = late.Add }).Subscribe(_ => { });
        var stale = _chat.Customer("c2", At(69.999));
        var onTime = _chat.Customer("c3", At(70));

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(100))));
        inputs.OnNext(PipelineInput.Of(stale));
        inputs.OnNext(PipelineInput.Of(onTime));

        Assert.Same(stale, Assert.Single(late));
    }

    [Fact]
    public void Hooks_WatermarkAdvanced_ReportsEachNewWatermark()
    {
        using var inputs = new Subject<PipelineInput>();
        var watermarks = new List<long>();
        using var subscription = inputs.ToMetricPoints(Options, new PipelineHooks { WatermarkAdvanced = watermarks.Add }).Subscribe(_ => { });

        inputs.OnNext(PipelineInput.Of(_chat.Customer("c1", At(40))));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c2", At(35))));
        inputs.OnNext(PipelineInput.Of(_chat.Customer("c3", At(55))));
        inputs.OnCompleted();

        Assert.Equal([At(10), At(25), At(60)], watermarks);
    }
}
