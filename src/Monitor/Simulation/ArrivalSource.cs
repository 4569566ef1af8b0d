namespace Monitor.Simulation;

internal enum ArrivalKind : byte
{
    Conversation,
    Call,
    Order,
}

/// <summary>
/// A Poisson stream of new conversations, calls or orders whose rate follows the surge, drawn by
/// thinning: candidates at the peak rate, each kept with probability rate(t) / peak.
/// </summary>
internal sealed class ArrivalSource(ArrivalKind kind) : SimProcess
{
    private double _nextMs;

    public void Begin(Double11Simulation sim)
    {
        _nextMs = sim.Now;
        ScheduleNext(sim);
    }

    public override void Step(Double11Simulation sim)
    {
        var shop = sim.PickShop();
        SimProcess item = kind switch
        {
            ArrivalKind.Conversation => new ConversationProcess(sim, shop),
            ArrivalKind.Call => new CallProcess(sim, shop),
            _ => new OrderProcess(sim, shop),
        };
        item.Step(sim);
        ScheduleNext(sim);
    }

    private void ScheduleNext(Double11Simulation sim)
    {
        var baseRate = kind switch
        {
            ArrivalKind.Conversation => sim.ConversationsPerSecond,
            ArrivalKind.Call => sim.CallsPerSecond,
            _ => sim.OrdersPerSecond,
        };
        var peak = sim.MaxSurgeMultiplier;
        var meanGapMs = 1000 / (baseRate * peak);
        do
        {
            _nextMs += sim.ExponentialMs(meanGapMs);
        }
        while (sim.Random.NextDouble() * peak > SurgeProfile.Multiplier((long)_nextMs, sim.Options.SurgeFactor));

        sim.Schedule(this, (long)_nextMs);
    }
}
