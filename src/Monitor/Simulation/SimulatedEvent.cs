namespace Monitor.Simulation;

/// <summary>
/// One generated event: the Kafka topic, the message key (the shop id), the event time in Unix
/// milliseconds and the UTF-8 JSON body exactly as DESIGN §3 defines it.
/// </summary>
public readonly record struct SimulatedEvent(string Topic, string Key, long TimestampMs, byte[] Json)
{
    /// <summary>The event time as a UTC <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
