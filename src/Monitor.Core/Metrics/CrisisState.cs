using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Crisis Quotient of one shop (DESIGN §4): volume = (conversations started + calls queued) per
/// minute over the window [b − W, b); capacity = agents online or busy at b (latest status per
/// agent) × per-agent throughput per minute of the agent's channel; cq = volume / capacity;
/// level = how many thresholds cq reaches (0..4). With no agent data the configured static
/// capacity stands in; with neither there is no crisis point. With agents known but none online
/// or busy, capacity is 0: the point then has no cq field and level is the highest when anything
/// arrived, 0 otherwise.
/// </summary>
internal sealed class CrisisState(string shopId, EngineOptions options) : IShopFamily
{
    private readonly SampleWindow _arrivals = new();
    private readonly Dictionary<string, Agent> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<double, int> _working = [];
    private readonly long _windowMs = (long)options.ConversationWindow.TotalMilliseconds;
    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    private readonly long _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
    private long _lastEventMs = long.MinValue;

    public bool Apply(MonitorEvent e, bool late)
    {
        _lastEventMs = Math.Max(_lastEventMs, e.TimestampMs);
        if (e.Type != EventType.AgentStatus)
        {
            _arrivals.Add(e.TimestampMs, 1);
            return true;
        }

        if (_agents.TryGetValue(e.AgentId!, out var agent))
        {
            if (e.TimestampMs < agent.LastEventMs)
            {
                return false;
            }
        }
        else
        {
            agent = new Agent();
            _agents.Add(e.AgentId!, agent);
        }

        agent.LastEventMs = e.TimestampMs;
        agent.Working = e.AgentState is AgentState.Online or AgentState.Busy;
        agent.ThroughputPerMinute = Throughput(e.AgentChannel);
        return true;
    }

    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        _arrivals.EvictBefore(boundaryMs - _windowMs);
        if (_lastEventMs < boundaryMs - _ttlMs && _arrivals.Count == 0)
        {
            return;
        }

        double capacity;
        if (_agents.Count > 0)
        {
            // Count working agents per throughput, then multiply once: summing 0.2 four hundred
            // times would show 79.99999999999972 on the wall.
            _working.Clear();
            foreach (var agent in _agents.Values)
            {
                if (agent.Working)
                {
                    _working[agent.ThroughputPerMinute] = _working.GetValueOrDefault(agent.ThroughputPerMinute) + 1;
                }
            }

            capacity = 0;
            foreach (var (throughput, count) in _working.OrderBy(pair => pair.Key))
            {
                capacity += throughput * count;
            }
        }
        else if (options.Crisis.StaticCapacityPerMinute is { } staticCapacity)
        {
            capacity = staticCapacity;
        }
        else
        {
            return;
        }

        var volume = _arrivals.Count / options.ConversationWindow.TotalMinutes;
        var fields = new List<MetricField>(4)
        {
            MetricField.Float("volume_per_min", volume),
            MetricField.Float("capacity_per_min", capacity),
        };
        int level;
        if (capacity > 0)
        {
            var cq = volume / capacity;
            fields.Add(MetricField.Float("cq", cq));
            level = Level(cq);
        }
        else
        {
            level = volume > 0 ? options.Crisis.LevelThresholds.Count : 0;
        }

        fields.Add(MetricField.Int("level", level));
        emit(new MetricPoint(Measurements.Crisis, [PointBuilder.Tag("shop", shopId)], fields, boundaryMs));
    }

    public bool IsIdle(long boundaryMs) =>
        _agents.Count == 0 && _arrivals.Count == 0 && (_lastEventMs == long.MinValue || _lastEventMs < boundaryMs - _ttlMs);

    public void EvictStale(long boundaryMs) =>
        StaleItems.Evict(_agents, a => a.LastEventMs, boundaryMs - _staleMs, (id, _) => _agents.Remove(id));

    private int Level(double cq)
    {
        var level = 0;
        foreach (var threshold in options.Crisis.LevelThresholds)
        {
            if (cq >= threshold)
            {
                level++;
            }
        }

        return level;
    }

    private double Throughput(string? channel) =>
        options.Crisis.ThroughputPerAgentPerMinute.TryGetValue(channel ?? "chat", out var value) ? value : 0;

    private sealed class Agent
    {
        public long LastEventMs { get; set; } = long.MinValue;
        public bool Working { get; set; }
        public double ThroughputPerMinute { get; set; }
    }
}
