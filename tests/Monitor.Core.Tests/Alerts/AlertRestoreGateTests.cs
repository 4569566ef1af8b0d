using Monitor.Core.Alerts;

namespace Monitor.Core.Tests.Alerts;

public sealed class AlertRestoreGateTests
{
    private readonly List<AlertChange> _delivered = [];
    private readonly AlertRestoreGate _gate;

    public AlertRestoreGateTests()
    {
        _gate = new AlertRestoreGate(_delivered.Add);
    }

    [Fact]
    public void OutsideARebuild_ChangesPassStraightThrough()
    {
        _gate.Publish(Change("a", AlertChangeKind.Fired, 1_000));

        Assert.Single(_delivered);
    }

    [Fact]
    public void DuringARebuild_OnlyTheLatestStatePerInstanceGoesOut_OnceTheFinalViewJudgedTheReRead()
    {
        _gate.Rebuilding(1);
        _gate.Rebuilding(2);
        _gate.Publish(Change("a", AlertChangeKind.Fired, 1_000));
        _gate.Publish(Change("a", AlertChangeKind.Escalated, 2_000));
        _gate.Publish(Change("b", AlertChangeKind.Fired, 1_500));
        _gate.Publish(Change("b", AlertChangeKind.Resolved, 3_000));
        _gate.Rebuilt(1, newestEventMs: 5_000);
        _gate.OnFinalWatermark(9_000);
        Assert.Empty(_delivered);

        // Partition 2 done too, but the final view has not passed the newest re-read event yet.
        _gate.Rebuilt(2, newestEventMs: 10_000);
        _gate.OnFinalWatermark(10_000);
        Assert.Empty(_delivered);

        _gate.OnFinalWatermark(10_001);
        Assert.Equal([("a", AlertChangeKind.Escalated), ("b", AlertChangeKind.Resolved)], _delivered.Select(c => (c.InstanceKey, c.Kind)));
        Assert.Equal(0, _gate.Held);

        _gate.Publish(Change("c", AlertChangeKind.Fired, 11_000));
        Assert.Equal(3, _delivered.Count);
    }

    [Fact]
    public void ARevokedPartition_StopsHoldingTheOthers()
    {
        _gate.Rebuilding(1);
        _gate.Publish(Change("a", AlertChangeKind.Fired, 1_000));
        _gate.Rebuilt(1, newestEventMs: 1_000);
        _gate.OnFinalWatermark(2_000);

        Assert.Single(_delivered);
    }

    private static AlertChange Change(string key, AlertChangeKind kind, long at) =>
        new(kind, "Rule", key, Severity.Warning, [], [], 1, 1, at, at);
}
