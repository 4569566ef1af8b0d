using Monitor.Core.Events;
using Monitor.Core.Keywords;

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
    /// Most shops one instance holds (<c>pipeline.maxShops</c>, default 50,000, about 500 MB of shop state): an event of a new shop
    /// beyond is dead-lettered as <c>over_capacity</c> on every input path. A shop counts from its first
    /// event until it had none for the series TTL plus the orders window.
    /// </summary>
    public int MaxShops { get; init; } = 50_000;

    /// <summary>
    /// Most items of one kind (conversations, calls, orders, refunds, agents) one shop holds
    /// (<c>pipeline.maxItemsPerShop</c>, default 1,000,000, about 250 MB of one kind): an event that
    /// would add one more is refused by the engine (<see cref="MetricEngine.Offer"/>) and
    /// dead-lettered as <c>over_capacity</c>; the shop's items already held go on.
    /// </summary>
    public int MaxItemsPerShop { get; init; } = 1_000_000;

    /// <summary>
    /// Most items the instance holds over all its shops and kinds, order_paid events waiting for
    /// the watermark included (<c>pipeline.maxItems</c>, default 5,000,000, about 1.2 GB at the
    /// 192–249 B an open item costs): the shop and per-kind caps multiplied are no memory bound.
    /// An event that would add one more is refused like one over <see cref="MaxItemsPerShop"/>;
    /// items already held go on, and room comes back as items close or go stale.
    /// </summary>
    public int MaxItems { get; init; } = 5_000_000;

    /// <summary>
    /// Live mode: a source (partition) that delivered nothing for this much clock time is idle, and
    /// only while every source is idle does the clock move event time (default 5 s).
    /// </summary>
    public TimeSpan SourceIdleAfter { get; init; } = TimeSpan.FromSeconds(5);

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

    /// <summary>A call answered within this wait counts towards service_level_ratio (default 20 s).</summary>
    public TimeSpan ServiceLevelThreshold { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Window of order metrics (default 60 min).</summary>
    public TimeSpan OrdersWindow { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>
    /// How far back state reaches: the longest window plus the lateness and a step (61 min with the
    /// defaults). The look-back rebuild reads this far; an event older than this behind the clock
    /// (replay: behind its newest event) is rejected as <c>too_old</c>.
    /// </summary>
    public TimeSpan DefaultMaxAge => (ConversationWindow > OrdersWindow ? ConversationWindow : OrdersWindow) + AllowedLateness + Step;

    /// <summary>Ship deadline after payment when the event gives no shipBy (default 24 h).</summary>
    public TimeSpan ShipSla { get; init; } = TimeSpan.FromHours(24);

    /// <summary>A shipment with no tracking update for this long is stalled (default 48 h).</summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Crisis Quotient settings: per-agent throughput, level thresholds, static capacity.</summary>
    public CrisisOptions Crisis { get; init; } = new();

    /// <summary>Complaint keyword dictionary; null counts no keywords.</summary>
    public KeywordDictionaryHolder? Keywords { get; init; }

    /// <summary>Per-shop overrides of the SLA and capacity settings, by shopId.</summary>
    public IReadOnlyDictionary<string, ShopOverrides> Shops { get; init; } = new Dictionary<string, ShopOverrides>(StringComparer.Ordinal);

    /// <summary>These options with <paramref name="defaults"/> as the new defaults for every shop.</summary>
    public EngineOptions ApplyDefaults(ShopOverrides defaults) => With(defaults);

    /// <summary>These options with the shop's overrides applied (the options themselves when it has none).</summary>
    public EngineOptions ForShop(string shopId)
    {
        return Shops.TryGetValue(shopId, out var overrides) ? With(overrides) : this;
    }

    private EngineOptions With(ShopOverrides o)
    {
        return this with
        {
            ChatReplySla = o.ChatReplySla ?? ChatReplySla,
            SocialReplySla = o.SocialReplySla ?? SocialReplySla,
            EmailReplySla = o.EmailReplySla ?? EmailReplySla,
            ServiceLevelThreshold = o.ServiceLevelThreshold ?? ServiceLevelThreshold,
            ShipSla = o.ShipSla ?? ShipSla,
            StallLimit = o.StallLimit ?? StallLimit,
            Crisis = o.StaticCapacityPerMinute is { } capacity ? Crisis with { StaticCapacityPerMinute = capacity } : Crisis,
        };
    }

    /// <summary>The reply SLA of a text channel, the bound of <c>within_sla_ratio</c>.</summary>
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

        if (MaxItemsPerShop < 1)
        {
            throw new ArgumentException($"max items per shop must be at least 1, got {MaxItemsPerShop}");
        }

        if (MaxItems < 1)
        {
            throw new ArgumentException($"max items must be at least 1, got {MaxItems}");
        }
    }
}

/// <summary>Crisis Quotient settings (DESIGN §4): cq = volume per minute / capacity per minute.</summary>
public sealed record CrisisOptions
{
    /// <summary>
    /// Items one online or busy agent handles per minute, by the channel of its agent_status
    /// (chat, email, social, call; an agent without channel counts as chat). Defaults: chat 0.5,
    /// social 0.5, email 0.2, call 0.2.
    /// </summary>
    public IReadOnlyDictionary<string, double> ThroughputPerAgentPerMinute { get; init; } = new Dictionary<string, double>
    {
        ["chat"] = 0.5,
        ["social"] = 0.5,
        ["email"] = 0.2,
        ["call"] = 0.2,
    };

    /// <summary>cq at or above each threshold raises the level by one: level 0..4 (defaults 0.8, 1.0, 1.2, 1.5).</summary>
    public IReadOnlyList<double> LevelThresholds { get; init; } = [0.8, 1.0, 1.2, 1.5];

    /// <summary>Capacity per minute used when a shop has no agent data; null emits no cq for such shops.</summary>
    public double? StaticCapacityPerMinute { get; init; }
}

/// <summary>Settings one shop overrides; null keeps the default.</summary>
public sealed record ShopOverrides
{
    /// <summary>Reply SLA of the shop's chat channel (<see cref="EngineOptions.ChatReplySla"/>).</summary>
    public TimeSpan? ChatReplySla { get; init; }
    /// <summary>Reply SLA of the shop's social channel (<see cref="EngineOptions.SocialReplySla"/>).</summary>
    public TimeSpan? SocialReplySla { get; init; }
    /// <summary>Reply SLA of the shop's email channel (<see cref="EngineOptions.EmailReplySla"/>).</summary>
    public TimeSpan? EmailReplySla { get; init; }
    /// <summary>The answer wait within which the shop's calls count towards service_level_ratio (<see cref="EngineOptions.ServiceLevelThreshold"/>).</summary>
    public TimeSpan? ServiceLevelThreshold { get; init; }
    /// <summary>The shop's ship deadline after payment when the event gives no shipBy (<see cref="EngineOptions.ShipSla"/>).</summary>
    public TimeSpan? ShipSla { get; init; }
    /// <summary>How long the shop's shipments may go without a tracking update before they are stalled (<see cref="EngineOptions.StallLimit"/>).</summary>
    public TimeSpan? StallLimit { get; init; }
    /// <summary>The shop's capacity per minute when it has no agent data (<see cref="CrisisOptions.StaticCapacityPerMinute"/>).</summary>
    public double? StaticCapacityPerMinute { get; init; }
}
