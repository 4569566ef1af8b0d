namespace Monitor.Simulation;

/// <summary>
/// The Double-11 scenario: shops of Zipf-distributed sizes with agent pools, chats, calls and
/// orders through their whole life, and the evening surge (see <see cref="SurgeProfile"/>) that
/// slows replies, lengthens call queues and makes shipments late. Deterministic: equal options give
/// byte-identical output.
/// </summary>
public sealed class Double11Scenario
{
    /// <summary>Topic of conversation events.</summary>
    public const string ChatsTopic = "chats";

    /// <summary>Topic of call events.</summary>
    public const string CallsTopic = "calls";

    /// <summary>Topic of order, shipping, refund and review events.</summary>
    public const string OrdersTopic = "orders";

    /// <summary>Topic of agent status events.</summary>
    public const string AgentsTopic = "agents";

    /// <summary>The four topics the scenario writes.</summary>
    public static IReadOnlyList<string> Topics { get; } = [ChatsTopic, CallsTopic, OrdersTopic, AgentsTopic];

    /// <summary>Name for <c>--scenario</c>.</summary>
    public string Name => "double11";

    /// <summary>
    /// The events in non-decreasing time order, generated lazily as they are enumerated; endless
    /// when <see cref="SimulationOptions.Duration"/> is null. Each enumeration starts over.
    /// </summary>
    public IEnumerable<SimulatedEvent> Generate(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Enumerate(options);
    }

    private static IEnumerable<SimulatedEvent> Enumerate(SimulationOptions options)
    {
        foreach (var e in new Double11Simulation(options).Run())
        {
            yield return e;
        }
    }
}
