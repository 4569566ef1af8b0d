using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Calls;

/// <summary>The calls family of DESIGN §4 (call_answer, call_handle, backlog queue=call), observed through the points of <see cref="MetricEngine"/>, every value computed by hand.</summary>
public sealed class CallStateTests
{
    private static readonly EngineOptions Small = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.Zero,
        ServiceLevelThreshold = TimeSpan.FromSeconds(20),
    };

    private readonly CallEvents _calls = new();

    private static RecordingEngine Engine(EngineOptions? options = null) => new(options ?? Small);

    [Fact]
    public void CallAnswer_HasEveryContractField_InContractOrder_WithShopTagOnly()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Answered("k1", At(4)));
        run.Engine.AdvanceTo(At(10));

        var point = run.AnswerAt(At(10));
        Assert.Equal(
            "call_answer,shop=s1 offered=1i,answered=1i,abandoned=0i,abandon_ratio=0,service_level_ratio=1,p50=3,p90=3,p99=3 " + At(10),
            point.Describe());
    }

    [Fact]
    public void AnswerTime_IsAnsweredMinusQueued_WithNearestRankPercentiles()
    {
        // Answer times 5, 20, 21, 30 s: nearest rank p50 = rank 2, p90 = rank 4, p99 = rank 4.
        var run = Engine().Feed(
            _calls.Queued("k1", At(0)),
            _calls.Queued("k2", At(1)),
            _calls.Queued("k3", At(2)),
            _calls.Queued("k4", At(3)),
            _calls.Answered("k1", At(5)),
            _calls.Answered("k2", At(21)),
            _calls.Answered("k3", At(23)),
            _calls.Answered("k4", At(33)));
        run.Engine.AdvanceTo(At(40));

        var point = run.AnswerAt(At(40));
        Assert.Equal(4, point.Value("answered"));
        Assert.Equal(20.0, point.Value("p50"));
        Assert.Equal(30.0, point.Value("p90"));
        Assert.Equal(30.0, point.Value("p99"));
    }

    [Fact]
    public void ServiceLevel_CountsAnAnswerOfExactlyTheThreshold_AsWithin_AndDividesByOffered()
    {
        // Answered in 5 s, 20 s (exactly the threshold), 20.001 s; one abandoned: 2 within / 4 offered.
        var run = Engine().Feed(
            _calls.Queued("k1", At(0)),
            _calls.Queued("k2", At(0)),
            _calls.Queued("k3", At(0)),
            _calls.Queued("k4", At(0)),
            _calls.Answered("k1", At(5)),
            _calls.Abandoned("k4", At(8)),
            _calls.Answered("k2", At(20)),
            _calls.Answered("k3", At(20.001)));
        run.Engine.AdvanceTo(At(30));

        var point = run.AnswerAt(At(30));
        Assert.Equal(4, point.Value("offered"));
        Assert.Equal(3, point.Value("answered"));
        Assert.Equal(1, point.Value("abandoned"));
        Assert.Equal(0.25, point.Value("abandon_ratio"));
        Assert.Equal(0.5, point.Value("service_level_ratio"));
        Assert.Equal(20.0, point.Value("p50"));
        Assert.Equal(20.001, point.Value("p99"));
    }

    [Fact]
    public void OnlyAbandons_GiveRatios_ButNoPercentiles()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Abandoned("k1", At(7)));
        run.Engine.AdvanceTo(At(10));

        var point = run.AnswerAt(At(10));
        Assert.Equal(["offered", "answered", "abandoned", "abandon_ratio", "service_level_ratio"], point.FieldKeys());
        Assert.Equal(1, point.Value("offered"));
        Assert.Equal(1.0, point.Value("abandon_ratio"));
        Assert.Equal(0.0, point.Value("service_level_ratio"));
    }

    [Fact]
    public void NothingOffered_ButActive_EmitsOnlyTheThreeZeroCounts()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal("call_answer,shop=s1 offered=0i,answered=0i,abandoned=0i " + At(10), run.AnswerAt(At(10)).Describe());
    }

    [Fact]
    public void Answer_ExactlyAtTheBoundary_IsNotInTheWindowEndingThere_ButInTheNext()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(5)), _calls.Answered("k1", At(10)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal(0, run.AnswerAt(At(10)).Value("answered"));
        Assert.Equal(1, run.AnswerAt(At(20)).Value("answered"));
        Assert.Equal(5.0, run.AnswerAt(At(20)).Value("p50"));
    }

    [Fact]
    public void AnswerSamples_LeaveTheWindow_AtExactlyW_AfterTheAnswer()
    {
        // Answer at 5 s: in [b − 60 s, b) for b = 10 .. 60, not for b = 70.
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Answered("k1", At(5)));
        run.Engine.AdvanceTo(At(70));

        Assert.Equal(1, run.AnswerAt(At(60)).Value("answered"));
        Assert.Equal(0, run.AnswerAt(At(70)).Value("offered"));
        Assert.Equal(3, run.AnswerAt(At(70)).Fields.Count);
    }

    [Fact]
    public void Backlog_CallAnsweredExactlyAtTheBoundary_StillWaitsAtThatBoundary()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(2)), _calls.Answered("k1", At(10)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal("backlog,queue=call,shop=s1 waiting=1i,oldest_wait_seconds=8 " + At(10), run.CallBacklogAt(At(10)).Describe());
        Assert.Equal("backlog,queue=call,shop=s1 waiting=0i,oldest_wait_seconds=0 " + At(20), run.CallBacklogAt(At(20)).Describe());
    }

    [Fact]
    public void Backlog_CallQueuedExactlyAtTheBoundary_DoesNotWaitAtThatBoundary()
    {
        var run = Engine().Feed(_calls.Queued("k0", At(1)), _calls.Answered("k0", At(2)), _calls.Queued("k1", At(10)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal(0, run.CallBacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, run.CallBacklogAt(At(20)).Value("waiting"));
        Assert.Equal(10.0, run.CallBacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_OldestWait_GrowsWhileUnanswered_ThenMovesToTheNextOldest()
    {
        var run = Engine().Feed(
            _calls.Queued("k1", At(1)),
            _calls.Queued("k2", At(3)),
            _calls.Answered("k1", At(25)));
        run.Engine.AdvanceTo(At(30));

        Assert.Equal(9.0, run.CallBacklogAt(At(10)).Value("oldest_wait_seconds"));
        Assert.Equal(19.0, run.CallBacklogAt(At(20)).Value("oldest_wait_seconds"));
        Assert.Equal(2, run.CallBacklogAt(At(20)).Value("waiting"));
        Assert.Equal(1, run.CallBacklogAt(At(30)).Value("waiting"));
        Assert.Equal(27.0, run.CallBacklogAt(At(30)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Backlog_AbandonedOrEndedWhileQueued_LeavesTheQueue_EndIsNotOffered()
    {
        var run = Engine().Feed(
            _calls.Queued("k1", At(1)),
            _calls.Queued("k2", At(2)),
            _calls.Queued("k3", At(3)),
            _calls.Abandoned("k1", At(12)),
            _calls.Ended("k2", At(13)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal(3, run.CallBacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, run.CallBacklogAt(At(20)).Value("waiting"));
        Assert.Equal(17.0, run.CallBacklogAt(At(20)).Value("oldest_wait_seconds"));
        Assert.Equal(1, run.AnswerAt(At(20)).Value("offered"));
        Assert.Equal(1, run.AnswerAt(At(20)).Value("abandoned"));
    }

    [Fact]
    public void Backlog_SameQueueTimeForTwoCalls_CountsBoth()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(4)), _calls.Queued("k2", At(4)), _calls.Answered("k1", At(12)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal(2, run.CallBacklogAt(At(10)).Value("waiting"));
        Assert.Equal(1, run.CallBacklogAt(At(20)).Value("waiting"));
        Assert.Equal(16.0, run.CallBacklogAt(At(20)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void CallHandle_IsEndedMinusAnswered_WithCountP50P90Mean()
    {
        // Handle times 2, 4, 9 s: p50 = rank 2, p90 = rank 3, mean 5.
        var run = Engine().Feed(
            _calls.Queued("k1", At(0)),
            _calls.Queued("k2", At(0)),
            _calls.Queued("k3", At(0)),
            _calls.Answered("k1", At(1)),
            _calls.Answered("k2", At(1)),
            _calls.Answered("k3", At(1)),
            _calls.Ended("k1", At(3)),
            _calls.Ended("k2", At(5)),
            _calls.Ended("k3", At(10)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal("call_handle,shop=s1 count=2i,p50=2,p90=4,mean=3 " + At(10), run.HandleAt(At(10)).Describe());
        Assert.Equal("call_handle,shop=s1 count=3i,p50=4,p90=9,mean=5 " + At(20), run.HandleAt(At(20)).Describe());
    }

    [Fact]
    public void CallHandle_ActiveWithAnEmptyWindow_EmitsOnlyCountZero()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Answered("k1", At(2)));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal("call_handle,shop=s1 count=0i " + At(10), run.HandleAt(At(10)).Describe());
    }

    [Fact]
    public void CallHandle_NotEmitted_ForAShopThatOnlyQueuesAndAbandons()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Abandoned("k1", At(2)));
        run.Engine.AdvanceTo(At(30));

        Assert.Empty(run.Handles());
        Assert.Equal(3, run.Answers().Count());
    }

    [Fact]
    public void AnswerForAnUnknownCall_CountsAsAnsweredAndOffered_WithoutAnswerTime_AndItsEndGivesAHandleTime()
    {
        var run = Engine().Feed(_calls.Answered("k1", At(2)), _calls.Ended("k1", At(14)));
        run.Engine.AdvanceTo(At(20));

        Assert.Equal(
            "call_answer,shop=s1 offered=1i,answered=1i,abandoned=0i,abandon_ratio=0,service_level_ratio=0 " + At(10),
            run.AnswerAt(At(10)).Describe());
        Assert.Equal(0, run.CallBacklogAt(At(10)).Value("waiting"));
        Assert.Equal(12.0, run.HandleAt(At(20)).Value("mean"));
    }

    [Fact]
    public void AbandonForAnUnknownCall_CountsAsAbandoned()
    {
        var run = Engine().Feed(_calls.Abandoned("k1", At(2)));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal(1, run.AnswerAt(At(10)).Value("abandoned"));
        Assert.Equal(1.0, run.AnswerAt(At(10)).Value("abandon_ratio"));
    }

    [Fact]
    public void EndForAnUnknownCall_GivesNoHandleTime_ButKeepsTheSeriesActive()
    {
        var run = Engine().Feed(_calls.Ended("k1", At(2)));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal(0, run.HandleAt(At(10)).Value("count"));
        Assert.Equal(0, run.CallBacklogAt(At(10)).Value("waiting"));
        Assert.Empty(run.Answers());
    }

    [Fact]
    public void SecondAnswerOrLaterAbandon_OfAnAnsweredCall_ChangesNothing()
    {
        var run = Engine().Feed(
            _calls.Queued("k1", At(1)),
            _calls.Answered("k1", At(3)),
            _calls.Answered("k1", At(5)),
            _calls.Abandoned("k1", At(6)),
            _calls.Ended("k1", At(9)));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal(
            "call_answer,shop=s1 offered=1i,answered=1i,abandoned=0i,abandon_ratio=0,service_level_ratio=1,p50=2,p90=2,p99=2 " + At(10),
            run.AnswerAt(At(10)).Describe());
        Assert.Equal(6.0, run.HandleAt(At(10)).Value("mean"));
    }

    [Fact]
    public void Transcripts_AreNotThisFamilys_AndActivateNoCallSeries()
    {
        var run = Engine().Feed(_calls.Transcript("k1", At(1)));
        run.Engine.AdvanceTo(At(30));

        Assert.Empty(run.CallBacklog());
        Assert.Empty(run.Answers());
        Assert.Empty(run.Handles());
    }

    [Fact]
    public void Series_StopAfterTheTtl_ButTheBacklogEmitsWhileACallWaits()
    {
        var options = Small with { SeriesTtl = TimeSpan.FromSeconds(30) };
        var run = Engine(options).Feed(
            _calls.Queued("k1", At(1)),
            _calls.Queued("k2", At(2)),
            _calls.Answered("k1", At(3)),
            _calls.Ended("k1", At(4)));
        run.Engine.AdvanceTo(At(120));

        // Last event at 4 s: active through b = 30 (4 ≥ 30 − 30), not at 40; the window (60 s) still
        // holds the answer and the handle sample until b = 60.
        Assert.Equal(0, run.AnswerAt(At(60)).Value("abandoned"));
        Assert.DoesNotContain(run.Answers(), p => p.TimestampMs == At(70));
        Assert.Equal(1, run.HandleAt(At(60)).Value("count"));
        Assert.DoesNotContain(run.Handles(), p => p.TimestampMs == At(70));
        Assert.Equal(118.0, run.CallBacklogAt(At(120)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Series_ActiveOnlyByTtl_StopsAtTtlAfterTheLastEvent()
    {
        var options = Small with { SeriesTtl = TimeSpan.FromSeconds(30), ConversationWindow = TimeSpan.FromSeconds(10) };
        var run = Engine(options).Feed(_calls.Queued("k1", At(1)), _calls.Ended("k1", At(5)));
        run.Engine.AdvanceTo(At(60));

        Assert.Equal([At(10), At(20), At(30)], run.CallBacklog().Select(p => p.TimestampMs));
        Assert.Equal([At(10), At(20), At(30)], run.Answers().Select(p => p.TimestampMs));
        Assert.Equal([At(10), At(20), At(30)], run.Handles().Select(p => p.TimestampMs));
    }

    [Fact]
    public void StaleCall_IsEvicted_AndLeavesTheBacklog()
    {
        // Sweeps run every 60 steps: the 60th boundary is 600 s; the call queued at 1 s is stale after 120 s.
        var options = Small with { StaleItemAge = TimeSpan.FromSeconds(120) };
        var run = Engine(options).Feed(_calls.Queued("k1", At(1)));
        run.Engine.AdvanceTo(At(600));

        Assert.Equal(1, run.CallBacklogAt(At(590)).Value("waiting"));
        Assert.Equal(589.0, run.CallBacklogAt(At(590)).Value("oldest_wait_seconds"));
        Assert.Equal("backlog,queue=call,shop=s1 waiting=0i,oldest_wait_seconds=0 " + At(600), run.CallBacklogAt(At(600)).Describe());
    }

    [Fact]
    public void StaleAnsweredCall_IsEvicted_SoALateEndGivesNoHandleTime()
    {
        var options = Small with { StaleItemAge = TimeSpan.FromSeconds(120) };
        var run = Engine(options).Feed(_calls.Queued("k1", At(1)), _calls.Answered("k1", At(2)));
        run.Engine.AdvanceTo(At(600));
        run.Feed(_calls.Ended("k1", At(605)));
        run.Engine.AdvanceTo(At(610));

        Assert.Equal(0, run.HandleAt(At(610)).Value("count"));
    }

    [Fact]
    public void LateEvent_IsAppliedToLaterPoints_NotToAlreadyEmittedOnes()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(1)), _calls.Answered("k1", At(25)));
        run.Engine.AdvanceTo(At(30));

        Assert.False(run.Engine.Accept(_calls.Queued("k2", At(12))));
        Assert.False(run.Engine.Accept(_calls.Answered("k2", At(14))));
        run.Engine.AdvanceTo(At(40));

        Assert.Equal(1, run.AnswerAt(At(30)).Value("answered"));
        Assert.Equal(1, run.CallBacklogAt(At(20)).Value("waiting"));
        var after = run.AnswerAt(At(40));
        Assert.Equal(2, after.Value("answered"));
        Assert.Equal(2.0, after.Value("p50"));
        Assert.Equal(24.0, after.Value("p99"));
    }

    [Fact]
    public void LateEvent_OlderThanTheCallsLastAppliedEvent_IsNotApplied()
    {
        var run = Engine().Feed(_calls.Queued("k1", At(31)), _calls.Answered("k1", At(35)));
        run.Engine.AdvanceTo(At(40));

        // An end before the answer would give a negative handle time; an answer before the queue
        // time a negative answer time.
        Assert.False(run.Engine.Accept(_calls.Ended("k1", At(33))));
        run.Feed(_calls.Queued("k2", At(41)));
        run.Engine.AdvanceTo(At(45));
        Assert.False(run.Engine.Accept(_calls.Answered("k2", At(39))));
        run.Feed(_calls.Ended("k1", At(45)));
        run.Engine.AdvanceTo(At(50));

        Assert.Equal("call_handle,shop=s1 count=1i,p50=10,p90=10,mean=10 " + At(50), run.HandleAt(At(50)).Describe());
        Assert.Equal(1, run.AnswerAt(At(50)).Value("answered"));
        Assert.Equal(1, run.CallBacklogAt(At(50)).Value("waiting"));
        Assert.Equal(9.0, run.CallBacklogAt(At(50)).Value("oldest_wait_seconds"));
    }

    [Fact]
    public void Shops_AreSeparateSeries()
    {
        var run = Engine().Feed(
            _calls.Queued("k1", At(1), shop: "s1"),
            _calls.Queued("k1", At(2), shop: "s2"),
            _calls.Answered("k1", At(4), shop: "s2"));
        run.Engine.AdvanceTo(At(10));

        Assert.Equal(1, run.CallBacklogAt(At(10), "s1").Value("waiting"));
        Assert.Equal(0, run.CallBacklogAt(At(10), "s2").Value("waiting"));
        Assert.Equal(0, run.AnswerAt(At(10), "s1").Value("answered"));
        Assert.Equal(2.0, run.AnswerAt(At(10), "s2").Value("p50"));
        Assert.Empty(run.Handles("s1"));
    }
}
