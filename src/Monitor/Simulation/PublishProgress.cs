namespace Monitor.Simulation;

/// <summary>
/// Where a <see cref="SimulationPublisher"/> run stands: messages handed to the producer, delivery
/// reports received (successful and failed), the event time reached, and how far behind the paced
/// schedule production runs (zero when unpaced or on time).
/// </summary>
public readonly record struct PublishProgress(long Produced, long Delivered, long Failed, DateTimeOffset EventTime, TimeSpan Behind)
{
    public override string ToString() =>
        $"{Produced:N0} produced, {Delivered:N0} delivered, {Failed:N0} failed, event time {EventTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, {Behind.TotalSeconds:N1} s behind";
}
