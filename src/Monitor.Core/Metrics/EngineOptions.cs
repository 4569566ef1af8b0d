using Monitor.Core.Events;

namespace Monitor.Core.Metrics;

/// <summary>Timing and SLA settings of the metric engine (DESIGN §4). All defaults are the contract's.</summary>
public sealed record EngineOptions
{
    /// <summary>Emission step; boundaries are UTC-aligned multiples of it (default 10 s).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Window of conversation and call metrics (default 5 min).</summary>
    public TimeSpan ConversationWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How far behind the newest event time an event may arrive and still be exact (default 30 s).</summary>
    public TimeSpan AllowedLateness { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A series keeps emitting while it had an event this recently (default 1 h).</summary>
    public TimeSpan SeriesTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// An open item with no event for this long leaves state, so a conversation that is never
    /// closed cannot keep a series alive forever (default 7 days).
    /// </summary>
    public TimeSpan StaleItemAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Reply SLA of the chat channel (default 180 s).</summary>
    public TimeSpan ChatReplySla { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Reply SLA of the social channel (default 180 s).</summary>
    public TimeSpan SocialReplySla { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Reply SLA of the email channel (default 24 h).</summary>
    public TimeSpan EmailReplySla { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan ReplySla(TextChannel channel) => channel switch
    {
        TextChannel.Email => EmailReplySla,
        TextChannel.Social => SocialReplySla,
        _ => ChatReplySla,
    };

    /// <summary>Throws with a clear message when settings contradict each other.</summary>
    public void Validate()
    {
        if (Step <= TimeSpan.Zero || Step.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"step must be a positive whole number of milliseconds, got {Step}");
        }

        if (ConversationWindow < Step)
        {
            throw new ArgumentException($"window ({ConversationWindow}) must be at least one step ({Step})");
        }

        if (AllowedLateness < TimeSpan.Zero)
        {
            throw new ArgumentException($"allowed lateness must not be negative, got {AllowedLateness}");
        }

        if (SeriesTtl < Step)
        {
            throw new ArgumentException($"series TTL ({SeriesTtl}) must be at least one step ({Step})");
        }
    }
}
