using Monitor.Core.Events;
using Monitor.Core.Metrics.Items;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Crisis Quotient of one shop (DESIGN §4): volume = (conversations started + calls queued) per
/// minute over the window [b − W, b); capacity = agents online or busy at b (latest status per
/// agent) × per-agent throughput per minute of the agent's channel; cq = volume / capacity;
/// level = how many thresholds cq reaches (0..4). With no agent data the configured static
/// capacity stands in; with neither there is no crisis point. With agents known but none online
/// or busy, capacity is 0: the point then has no cq field and level is the highest when anything
/// arrived, 0 otherwise. Computed exactly: arrivals are a count, capacity a sum of configured
/// decimals kept as a scaled integer, and the level compares cq with each threshold in integers,
/// so cq exactly 0.8 is level 1 (docs/metrics.md); the fields are the correctly rounded quotients.
/// </summary>
internal sealed class CrisisState : IShopFamily
{
    private readonly string _shopId;
    private readonly EngineOptions _options;
    private readonly CrisisScale _scale;
    private readonly long _ttlMs;
    private readonly long _staleMs;
    private readonly long _windowMs;
    private readonly WindowCounter _arrivals;
    private readonly Activity _activity;
    private readonly Agents _agents;
    private MetricPoint? _point;

    public CrisisState(string shopId, EngineOptions options)
    {
        _shopId = shopId;
        _options = options;
        _scale = CrisisScale.For(options.Crisis);
        var stepMs = (long)options.Step.TotalMilliseconds;
        _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
        _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
        _windowMs = (long)options.ConversationWindow.TotalMilliseconds;
        _arrivals = new WindowCounter(new WindowSpec(options.Step, options.ConversationWindow));
        _activity = new Activity();
        _agents = new Agents(_scale, stepMs);
    }

    /// <summary>True when a status of agent <paramref name="agentId"/> may enter (see <see cref="Items.ItemFamily{TState,TEvent,TOp}.HasRoomFor"/>).</summary>
    public bool HasRoomForAgent(string agentId, int max) => _agents.HasRoomFor(agentId, max);

    /// <summary>Agents held.</summary>
    public int HeldAgents => _agents.ItemCount;

    public bool Apply(MonitorEvent e, bool late, long watermarkMs)
    {
        _activity.Touch(e.TimestampMs);
        if (e.Type != EventType.AgentStatus)
        {
            _arrivals.Add(e.TimestampMs, 0, 1);
            return true;
        }

        return _agents.Apply(e.AgentId!, new AgentEvent(e, _scale.ClassOf(e.AgentChannel)), late, watermarkMs);
    }

    public void Emit(in View view, Action<MetricPoint> emit)
    {
        if (view.Final)
        {
            _agents.Purge(view.AtMs);
        }

        if (!view.Wants(MetricSchemas.Crisis))
        {
            return;
        }

        var active = _activity.Active(view, _ttlMs);
        var arrivals = _arrivals.Read(view, 0);
        if (!active && arrivals == 0)
        {
            return;
        }

        long capacity;
        if (_agents.Known(view) > 0)
        {
            capacity = _agents.Capacity(view);
        }
        else if (_scale.StaticCapacity(_options.Crisis.StaticCapacityPerMinute) is { } staticCapacity)
        {
            capacity = staticCapacity;
        }
        else
        {
            return;
        }

        emit(Fields((_point ??= MetricSchemas.Series(MetricSchemas.Crisis, _shopId)).Begin(view.AtMs), arrivals, capacity));
    }

    /// <summary>The crisis fields for <paramref name="arrivals"/> in the window and a capacity in scaled units.</summary>
    private MetricPoint Fields(MetricPoint point, long arrivals, long capacity)
    {
        // volume = arrivals / (W in minutes) = arrivals · 60000 / W_ms.
        var volumeNumerator = (Int128)arrivals * 60_000;
        point.Set(0, ExactRatio.ToDouble(volumeNumerator, _windowMs)).Set(1, ExactRatio.ToDouble(capacity, _scale.Unit));
        int level;
        if (capacity > 0)
        {
            // cq = volume / capacity = arrivals · 60000 · unit / (W_ms · capacity).
            var numerator = volumeNumerator * _scale.Unit;
            var denominator = (Int128)_windowMs * capacity;
            point.Set(2, ExactRatio.ToDouble(numerator, denominator));
            level = _scale.Level(numerator, denominator);
        }
        else
        {
            level = arrivals > 0 ? _options.Crisis.LevelThresholds.Count : 0;
        }

        return point.Set(3, level);
    }

    public bool IsIdle(long boundaryMs) =>
        _agents.ItemCount == 0 && _arrivals.IsEmpty && !_activity.ActiveAt(boundaryMs, _ttlMs) && !_activity.HasAhead;

    public void EvictStale(long boundaryMs) => _agents.EvictStale(boundaryMs, boundaryMs - _staleMs);

    /// <summary>Agents by id: whether they work (online or busy), at which throughput class, as of each boundary.</summary>
    private sealed class Agents(CrisisScale scale, long stepMs) : ItemFamily<Agent, AgentEvent, AgentOp>
    {
        private readonly AsOfCounter<long> _known = new(stepMs);
        private readonly AsOfCounter<long>[] _working = Enumerable.Range(0, scale.Classes).Select(_ => new AsOfCounter<long>(stepMs)).ToArray();

        public long Known(in View view) => _known.Read(view);

        /// <summary>Capacity in the view, in the scale's units: Σ working agents × throughput, exact.</summary>
        public long Capacity(in View view)
        {
            long capacity = 0;
            for (var c = 0; c < _working.Length; c++)
            {
                capacity += _working[c].Read(view) * scale.Throughput(c);
            }

            return capacity;
        }

        public void EvictStale(long boundaryMs, long cutoffMs)
        {
            List<Item>? stale = null;
            foreach (var item in Items.Values)
            {
                Fold(item, boundaryMs);
                if (item.Settled.Exists && item.Settled.LastEventMs < cutoffMs)
                {
                    (stale ??= []).Add(item);
                }
            }

            foreach (var item in stale ?? [])
            {
                ChangeAsOf(item, boundaryMs, (ref Agent agent) =>
                {
                    Contribute(item, new AgentOp(boundaryMs - 1, agent.Working ? agent.Class : -1, -1, Known: -1));
                    agent = default;
                });
            }
        }

        protected override bool Exists(in Agent state) => state.Exists;

        protected override bool DropLate(in Agent settled, in AgentEvent e) => e.TimestampMs < settled.LastEventMs;

        protected override void Step(Item item, ref Agent agent, in AgentEvent e)
        {
            if (agent.Exists && e.TimestampMs < agent.LastEventMs)
            {
                return;
            }

            var was = agent.Exists && agent.Working ? agent.Class : -1;
            var known = agent.Exists ? 0 : 1;
            agent = new Agent { Exists = true, LastEventMs = e.TimestampMs, Working = e.Working, Class = e.Class };
            var now = agent.Working ? agent.Class : -1;
            if (was != now || known != 0)
            {
                Contribute(item, new AgentOp(e.TimestampMs, was, now, known));
            }
        }

        protected override void ApplyOp(Item item, in AgentOp op, int sign)
        {
            if (op.Known != 0)
            {
                _known.Add(op.TimeMs, sign * op.Known);
            }

            if (op.From >= 0)
            {
                _working[op.From].Add(op.TimeMs, -sign);
            }

            if (op.To >= 0)
            {
                _working[op.To].Add(op.TimeMs, sign);
            }
        }
    }

    private struct Agent
    {
        public bool Exists;
        public bool Working;
        public int Class;
        public long LastEventMs;
    }

    private readonly struct AgentEvent(MonitorEvent e, int throughputClass) : ILoggedEvent
    {
        public long TimestampMs { get; } = e.TimestampMs;

        public string EventId { get; } = e.EventId;

        public bool Working { get; } = e.AgentState is AgentState.Online or AgentState.Busy;

        public int Class { get; } = throughputClass;

        public int Rank => 0;
    }

    /// <summary>An agent leaves throughput class <see cref="From"/> for <see cref="To"/> (−1: not working) at a time; <see cref="Known"/> ±1 when it enters or leaves state.</summary>
    private readonly record struct AgentOp(long TimeMs, int From, int To, int Known);
}
