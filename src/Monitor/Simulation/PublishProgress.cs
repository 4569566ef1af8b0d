namespace Monitor.Simulation;

/// <summary>
/// Where a <see cref="SimulationPublisher"/> run stands: messages handed to the producer, delivery
/// reports received (successful and failed), the event time reached, and how far behind the paced
/// schedule production runs (zero when unpaced or on time).
/// </summary>
public readonly record struct PublishProgress(long Produced, long Delivered, long Failed, DateTimeOffset EventTime, TimeSpan Behind)
{
    /// <summary>One line for the console, e.g. <c>1,200 produced, 1,180 delivered, 0 failed, event time 2025-11-11 00:05:00Z, 0.0 s behind</c>.</summary>
    public override string ToString() =>
        $"{Produced:N0} produced, {Delivered:N0} delivered, {Failed:N0} failed, event time {EventTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, {Behind.TotalSeconds:N1} s behind";
}
