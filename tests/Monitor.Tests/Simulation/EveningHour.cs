using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

/// <summary>One hour of the evening as the surge ramps up (21:30–22:30 China time), generated once per test class.</summary>
public sealed class EveningHour
{
    public static readonly SimulationOptions Options = new()
    {
        Start = new DateTimeOffset(2025, 11, 10, 21, 30, 0, TimeSpan.FromHours(8)),
        Duration = TimeSpan.FromHours(1),
        EventsPerSecond = 50,
    };

    public EveningHour() => Events = new Double11Scenario().Generate(Options).ToList();

    public IReadOnlyList<SimulatedEvent> Events { get; }
}
