using System.Text;
using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>
/// One run of the Double-11 scenario: a discrete-event simulation over a priority queue of
/// scheduled processes keyed by (due time, scheduling order). Every process emits only at its own
/// due time, so events come out in non-decreasing time. The queue holds the arrival sources, the
/// agents and the items in flight, nothing else.
/// </summary>
internal sealed class Double11Simulation
{
    // Calibration, measured at normal load in steady state: events each arrival brings over its life.
    private const double EventsPerConversation = 7.0;
    private const double EventsPerCall = 3.6;
    private const double EventsPerOrder = 5.6;

    // Shares of EventsPerSecond; agent status changes make up the rest (about 2%).
    private const double ChatShare = 0.58;
    private const double OrderShare = 0.34;
    private const double CallShare = 0.06;

    // Pool sizing: agent replies per conversation (measured), the planned utilisation at normal load,
    // and the reserve that logs in for the surge (as a share of the regular pool).
    private const double LiveRepliesPerConversation = 1.55;
    private const double EmailRepliesPerConversation = 0.14;
    private const double LiveUtilisation = 0.45;
    private const double EmailUtilisation = 0.5;
    private const double CallUtilisation = 0.6;
    private const double SurgeReserve = 0.6;

    private const long PreRollMs = 15 * 60_000;

    /// <summary>Agent attention one chat or social reply takes, in milliseconds; agents interleave <see cref="SimulationOptions.AgentConcurrency"/> conversations.</summary>
    public const double LiveReplyWorkMs = 40_000;

    /// <summary>Agent time one email reply takes, in milliseconds.</summary>
    public const double EmailReplyWorkMs = 90_000;

    private readonly SimulationOptions _options;
    private readonly PriorityQueue<SimProcess, SimKey> _queue = new();
    private readonly Queue<SimulatedEvent> _ready = new();
    private readonly EventJsonWriter _json;
    private readonly double[] _cumulativeShare;
    private readonly long _startMs;
    private readonly long _endMs;
    private long _sequence;
    private long _eventNumber;

    public Double11Simulation(SimulationOptions options)
    {
        _options = options;
        Random = new Random(options.Seed);
        _json = new EventJsonWriter(options.Seed);
        ConversationIdPrefix = Encoding.UTF8.GetBytes($"conv-{options.Seed}-");
        CallIdPrefix = Encoding.UTF8.GetBytes($"call-{options.Seed}-");
        OrderIdPrefix = Encoding.UTF8.GetBytes($"ord-{options.Seed}-");
        RefundIdPrefix = Encoding.UTF8.GetBytes($"rf-{options.Seed}-");
        _startMs = options.Start.ToUnixTimeMilliseconds();
        _endMs = options.Duration is { } d ? _startMs + (long)d.TotalMilliseconds : long.MaxValue;
        Now = options.WarmStart ? _startMs - PreRollMs : _startMs;

        ConversationsPerSecond = options.EventsPerSecond * ChatShare / EventsPerConversation;
        CallsPerSecond = options.EventsPerSecond * CallShare / EventsPerCall;
        OrdersPerSecond = options.EventsPerSecond * OrderShare / EventsPerOrder;
        MaxSurgeMultiplier = Math.Max(1, options.SurgeFactor);

        Shops = new ShopState[options.Shops];
        _cumulativeShare = new double[options.Shops];
        var harmonic = 0.0;
        for (var rank = 1; rank <= options.Shops; rank++)
        {
            harmonic += Math.Pow(rank, -options.ZipfExponent);
        }

        var cumulative = 0.0;
        for (var rank = 1; rank <= options.Shops; rank++)
        {
            var share = Math.Pow(rank, -options.ZipfExponent) / harmonic;
            var shop = new ShopState(rank, share);
            Shops[rank - 1] = shop;
            cumulative += share;
            _cumulativeShare[rank - 1] = cumulative;
        }

        _cumulativeShare[^1] = double.MaxValue;
    }

    public Random Random { get; }

    public long Now { get; private set; }

    public SimulationOptions Options => _options;

    public ShopState[] Shops { get; }

    public double ConversationsPerSecond { get; }

    public double CallsPerSecond { get; }

    public double OrdersPerSecond { get; }

    public double MaxSurgeMultiplier { get; }

    public byte[] ConversationIdPrefix { get; }

    public byte[] CallIdPrefix { get; }

    public byte[] OrderIdPrefix { get; }

    public byte[] RefundIdPrefix { get; }

    public long NextConversationNumber { get; set; }

    public long NextCallNumber { get; set; }

    public long NextOrderNumber { get; set; }

    public long NextRefundNumber { get; set; }

    /// <summary>False during the silent pre-roll: processes run but events are not written.</summary>
    public bool Emitting => Now >= _startMs;

    public EventJsonWriter Json => _json;

    public IEnumerable<SimulatedEvent> Run()
    {
        Initialise();
        while (true)
        {
            while (_ready.TryDequeue(out var ready))
            {
                yield return ready;
            }

            if (!_queue.TryDequeue(out var process, out var key) || key.Due >= _endMs)
            {
                yield break;
            }

            Now = key.Due;
            process.Step(this);
        }
    }

    public void Schedule(SimProcess process, long due) => _queue.Enqueue(process, new SimKey(Math.Max(due, Now), _sequence++));

    public Utf8JsonWriter Begin(JsonEncodedText type, ShopState shop, TimestampStyle style) =>
        _json.Begin(type, ++_eventNumber, shop.IdJson, Now, style);

    public void End(string topic, ShopState shop) => _ready.Enqueue(new SimulatedEvent(topic, shop.Id, Now, _json.Finish()));

    public ShopState PickShop()
    {
        var u = Random.NextDouble();
        var i = Array.BinarySearch(_cumulativeShare, u);
        return Shops[i < 0 ? ~i : i];
    }

    public bool Chance(double probability) => Random.NextDouble() < probability;

    public long UniformMs(long min, long max) => min + (long)(Random.NextDouble() * (max - min));

    public double ExponentialMs(double mean) => -mean * Math.Log(1 - Random.NextDouble());

    public long LogNormalMs(double median, double sigma, long min, long max)
    {
        var value = median * Math.Exp(sigma * Gaussian());
        return value < min ? min : value > max ? max : (long)value;
    }

    public AgentProcess PickAgent(AgentProcess[] pool)
    {
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var agent = pool[Random.Next(pool.Length)];
            if (agent.Available)
            {
                return agent;
            }
        }

        var from = Random.Next(pool.Length);
        for (var i = 0; i < pool.Length; i++)
        {
            var agent = pool[(from + i) % pool.Length];
            if (agent.Available)
            {
                return agent;
            }
        }

        return pool[from];
    }

    private static int PoolSize(double agents, int minimum) => Math.Max(minimum, (int)Math.Ceiling(agents));

    private double Gaussian()
    {
        // Box–Muller; one of the pair is enough here.
        var u1 = 1 - Random.NextDouble();
        var u2 = Random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private void Initialise()
    {
        var agents = new List<AgentProcess>();
        foreach (var shop in Shops)
        {
            shop.LateShipChance = Chance(0.12) ? 0.2 + (0.2 * Random.NextDouble()) : 0.02 + (0.04 * Random.NextDouble());
            shop.WarehouseRegion = Regions.PickWarehouse(Random);

            var conversations = shop.Share * ConversationsPerSecond;
            var callMeanMs = CallProcess.HandleMedianMs * Math.Exp(CallProcess.HandleSigma * CallProcess.HandleSigma / 2);
            var live = PoolSize(conversations * LiveRepliesPerConversation * LiveReplyWorkMs / 1000 / (_options.AgentConcurrency * LiveUtilisation), _options.AgentsPerShopBase);
            var email = PoolSize(conversations * EmailRepliesPerConversation * EmailReplyWorkMs / 1000 / EmailUtilisation, 1);
            var call = PoolSize(shop.Share * CallsPerSecond * callMeanMs / 1000 / CallUtilisation, 1);
            var reserve = _options.SurgeFactor > 1 ? SurgeReserve : 0;
            var liveReserve = (int)Math.Round(live * reserve);
            var callReserve = (int)Math.Round(call * reserve);

            var number = 0;
            shop.LiveAgents = new AgentProcess[live + liveReserve];
            for (var i = 0; i < shop.LiveAgents.Length; i++)
            {
                shop.LiveAgents[i] = new AgentProcess(shop, ++number, Chance(0.75) ? AgentChannel.Chat : AgentChannel.Social, reserve: i >= live);
            }

            shop.EmailAgents = new AgentProcess[email];
            for (var i = 0; i < email; i++)
            {
                shop.EmailAgents[i] = new AgentProcess(shop, ++number, AgentChannel.Email, reserve: false);
            }

            shop.CallAgents = new AgentProcess[call + callReserve];
            for (var i = 0; i < shop.CallAgents.Length; i++)
            {
                shop.CallAgents[i] = new AgentProcess(shop, ++number, AgentChannel.Call, reserve: i >= call);
            }

            shop.AvailableLive = shop.LiveAgents.Length;
            shop.AvailableEmail = email;
            shop.AvailableCall = shop.CallAgents.Length;
            agents.AddRange(shop.LiveAgents);
            agents.AddRange(shop.EmailAgents);
            agents.AddRange(shop.CallAgents);
        }

        // Scheduled first, so at the start it comes before anything else due then.
        Schedule(new AgentSnapshot(agents), _startMs);
        foreach (var agent in agents)
        {
            agent.Begin(this);
        }

        new ArrivalSource(ArrivalKind.Conversation).Begin(this);
        new ArrivalSource(ArrivalKind.Call).Begin(this);
        new ArrivalSource(ArrivalKind.Order).Begin(this);
        if (_options.WarmStart)
        {
            WarmOrderSource.BeginAll(this);
        }
    }
}
