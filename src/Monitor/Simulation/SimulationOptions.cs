namespace Monitor.Simulation;

/// <summary>
/// Knobs of the Double-11 traffic simulator. Equal options give byte-identical output.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>The evening before Double 11, 21:00 China Standard Time: an hour before the surge.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2025, 11, 10, 21, 0, 0, TimeSpan.FromHours(8));

    /// <summary>Largest <see cref="EventsPerSecond"/> accepted.</summary>
    public const double MaxEventsPerSecond = 50_000;

    /// <summary>Seed of the single random generator; also part of every id (default 42).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of shops, <c>shop-001</c> the largest (default 50).</summary>
    public int Shops { get; init; } = 50;

    /// <summary>Event time of the first event (default <see cref="DefaultStart"/>, 2025-11-10T21:00+08:00).</summary>
    public DateTimeOffset Start { get; init; } = DefaultStart;

    /// <summary>Span of event time to generate, end exclusive; null (the default) generates endlessly.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// Target mean event rate, events per second of event time over all four topics, at normal load
    /// once in-flight work has built up (default 200, at most 50,000). The surge multiplies arrivals
    /// on top of it. Agent pools scale with it: about 20 agents per event/s.
    /// </summary>
    public double EventsPerSecond { get; init; } = 200;

    /// <summary>Zipf exponent s of shop sizes: shop of rank r gets a traffic share ∝ 1/r^s (default 1.1).</summary>
    public double ZipfExponent { get; init; } = 1.1;

    /// <summary>
    /// Arrival multiplier during the evening surge, 22:00–02:00 China Standard Time (UTC+8), with
    /// one-hour smooth ramps centred on both ends (default 4; 1 switches the surge off).
    /// </summary>
    public double SurgeFactor { get; init; } = 4;

    /// <summary>Smallest chat agent pool of a shop; email and call pools have at least one agent (default 2).</summary>
    public int AgentsPerShopBase { get; init; } = 2;

    /// <summary>
    /// Live (chat and social) conversations one agent handles at once (default 3). A reply takes
    /// 40 s of attention, so an agent gives up to 4.5 replies a minute. Pools are sized to about 45%
    /// of that at normal load, plus a reserve of 60% that logs in for the surge; when work comes in
    /// faster than the online agents can do it a backlog builds and replies slow down.
    /// </summary>
    public double AgentConcurrency { get; init; } = 3;

    /// <summary>
    /// Start mid-stream, as a real shop does (default true): 15 minutes of silent pre-roll fill the
    /// chat and call queues, and orders paid before then keep shipping, being tracked, delivered,
    /// refunded and reviewed from the first minute. False starts empty at <see cref="Start"/>.
    /// </summary>
    public bool WarmStart { get; init; } = true;

    internal void Validate()
    {
        if (Shops < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Shops), Shops, "At least one shop is needed.");
        }

        if (!(EventsPerSecond > 0) || EventsPerSecond > MaxEventsPerSecond)
        {
            throw new ArgumentOutOfRangeException(nameof(EventsPerSecond), EventsPerSecond, $"Must be positive and at most {MaxEventsPerSecond:N0}; run several seeds for more.");
        }

        if (!(ZipfExponent >= 0) || double.IsInfinity(ZipfExponent))
        {
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "Must be zero or positive.");
        }

        if (!(SurgeFactor > 0) || double.IsInfinity(SurgeFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(SurgeFactor), SurgeFactor, "Must be positive.");
        }

        if (AgentsPerShopBase < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AgentsPerShopBase), AgentsPerShopBase, "At least one agent per shop.");
        }

        if (!(AgentConcurrency > 0) || double.IsInfinity(AgentConcurrency))
        {
            throw new ArgumentOutOfRangeException(nameof(AgentConcurrency), AgentConcurrency, "Must be positive.");
        }

        if (Duration is { } d && d < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Duration), d, "Must not be negative.");
        }
    }
}
