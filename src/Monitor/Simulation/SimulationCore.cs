using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>A scheduled actor of the simulation: an arrival source, an agent or one in-flight item.</summary>
internal abstract class SimProcess
{
    /// <summary>Runs at the time the process was scheduled for; may emit events at that time and reschedule itself.</summary>
    public abstract void Step(Double11Simulation sim);
}

/// <summary>Queue priority: due time, then scheduling order, so ties resolve deterministically.</summary>
internal readonly struct SimKey(long due, long sequence) : IComparable<SimKey>
{
    public long Due { get; } = due;

    public long Sequence { get; } = sequence;

    public int CompareTo(SimKey other)
    {
        var byDue = Due.CompareTo(other.Due);
        return byDue != 0 ? byDue : Sequence.CompareTo(other.Sequence);
    }
}

internal enum AgentChannel : byte
{
    Chat,
    Email,
    Social,
    Call,
}

internal enum AgentStatus : byte
{
    Online,
    Busy,
    Offline,
}

/// <summary>One shop: its size, its agent pools and the load its open work puts on them.</summary>
internal sealed class ShopState(int rank, double share)
{
    public int Rank { get; } = rank;

    public string Id { get; } = $"shop-{rank:D3}";

    public JsonEncodedText IdJson { get; } = JsonEncodedText.Encode($"shop-{rank:D3}");

    /// <summary>Share of all arrivals (Zipf).</summary>
    public double Share { get; } = share;

    /// <summary>Base probability that an order ships late; a few shops struggle.</summary>
    public double LateShipChance { get; set; }

    /// <summary>Province of the shop's warehouse, index into the region list.</summary>
    public int WarehouseRegion { get; set; }

    public AgentProcess[] LiveAgents { get; set; } = [];

    public AgentProcess[] EmailAgents { get; set; } = [];

    public AgentProcess[] CallAgents { get; set; } = [];

    /// <summary>Live agents online or busy (busy still counts as capacity, as in the CQ definition).</summary>
    public int AvailableLive { get; set; }

    public int AvailableEmail { get; set; }

    public int AvailableCall { get; set; }

    /// <summary>Agent time owed to chat and social replies already promised.</summary>
    public WorkQueue LiveWork { get; } = new();

    public WorkQueue EmailWork { get; } = new();

    public WorkQueue CallWork { get; } = new();

    public void ChangeAvailability(AgentChannel channel, int delta)
    {
        switch (channel)
        {
            case AgentChannel.Email:
                AvailableEmail += delta;
                break;
            case AgentChannel.Call:
                AvailableCall += delta;
                break;
            default:
                AvailableLive += delta;
                break;
        }
    }
}

/// <summary>
/// A pool's backlog as a fluid queue: the time at which the agents will have done all work promised
/// so far. Below full utilisation it stays in the past (no wait); when work arrives faster than the
/// online agents do it, the backlog grows, and it drains once the surge is over.
/// </summary>
internal sealed class WorkQueue
{
    private double _freeAtMs;

    /// <summary>Wait before an agent can start on new work, in milliseconds.</summary>
    public long BacklogMs(long nowMs) => _freeAtMs > nowMs ? (long)(_freeAtMs - nowMs) : 0;

    /// <summary>Queues <paramref name="workMs"/> of one agent's time, shared by <paramref name="parallel"/> agent slots.</summary>
    public void Add(long nowMs, double workMs, double parallel) =>
        _freeAtMs = Math.Max(_freeAtMs, nowMs) + (workMs / Math.Max(parallel, 0.5));
}

/// <summary>
/// An agent: online at the start, now and then busy for a few minutes or offline for a break. A
/// reserve agent logs in for the surge only (between 21:30 and 22:00 China time) and logs off once
/// it is over.
/// </summary>
internal sealed class AgentProcess(ShopState shop, int number, AgentChannel channel, bool reserve) : SimProcess
{
    private const long Minute = 60_000;
    private const long Day = 24 * 60 * Minute;
    private const long ChinaOffsetMs = 8 * 60 * Minute;

    private static readonly JsonEncodedText StatusType = JsonEncodedText.Encode("agent_status");
    private static readonly JsonEncodedText[] StatusNames = [JsonEncodedText.Encode("online"), JsonEncodedText.Encode("busy"), JsonEncodedText.Encode("offline")];
    private static readonly JsonEncodedText[] ChannelNames = [JsonEncodedText.Encode("chat"), JsonEncodedText.Encode("email"), JsonEncodedText.Encode("social"), JsonEncodedText.Encode("call")];

    public ShopState Shop { get; } = shop;

    public JsonEncodedText Id { get; } = JsonEncodedText.Encode($"agent-{shop.Rank:D3}-{number:D4}");

    public AgentChannel Channel { get; } = channel;

    public AgentStatus Status { get; private set; } = AgentStatus.Online;

    public bool Available => Status != AgentStatus.Offline;

    private bool OffShift(Double11Simulation sim) => reserve && SurgeProfile.Level(sim.Now) == 0;

    /// <summary>Regular agents' first change is spread over the first hour so they do not move in lockstep.</summary>
    public void Begin(Double11Simulation sim)
    {
        if (OffShift(sim))
        {
            Status = AgentStatus.Offline;
            Shop.ChangeAvailability(Channel, -1);
            sim.Schedule(this, NextShiftStart(sim));
        }
        else
        {
            sim.Schedule(this, sim.Now + sim.UniformMs(0, 60 * Minute));
        }
    }

    public override void Step(Double11Simulation sim)
    {
        long next;
        switch (Status)
        {
            case AgentStatus.Online when OffShift(sim):
                Status = AgentStatus.Offline;
                Shop.ChangeAvailability(Channel, -1);
                next = NextShiftStart(sim) - sim.Now;
                break;
            case AgentStatus.Online:
                // In the war room (surge) breaks are rarer.
                if (sim.Chance(0.2 - (0.15 * SurgeProfile.Level(sim.Now))))
                {
                    Status = AgentStatus.Offline;
                    Shop.ChangeAvailability(Channel, -1);
                    next = sim.UniformMs(10 * Minute, 40 * Minute);
                }
                else
                {
                    Status = AgentStatus.Busy;
                    next = sim.UniformMs(3 * Minute, 12 * Minute);
                }

                break;
            case AgentStatus.Busy:
                Status = AgentStatus.Online;
                next = sim.LogNormalMs(30 * Minute, 0.6, Minute, 4 * 60 * Minute);
                break;
            default:
                Status = AgentStatus.Online;
                Shop.ChangeAvailability(Channel, +1);
                next = sim.LogNormalMs(30 * Minute, 0.6, Minute, 4 * 60 * Minute);
                break;
        }

        Emit(sim);
        sim.Schedule(this, sim.Now + next);
    }

    /// <summary>The next 21:30–22:00 China time, at a random minute.</summary>
    private static long NextShiftStart(Double11Simulation sim)
    {
        var local = sim.Now + ChinaOffsetMs;
        var midnight = local - (((local % Day) + Day) % Day);
        var start = midnight + (21 * 60 * Minute) + (30 * Minute) + sim.UniformMs(0, 30 * Minute) - ChinaOffsetMs;
        return start > sim.Now ? start : start + Day;
    }

    public void Emit(Double11Simulation sim)
    {
        if (!sim.Emitting)
        {
            return;
        }

        var w = sim.Begin(StatusType, Shop, TimestampStyle.Utc);
        w.WriteString(EventJsonWriter.AgentId, Id);
        w.WriteString(EventJsonWriter.Status, StatusNames[(int)Status]);
        w.WriteString(EventJsonWriter.Channel, ChannelNames[(int)Channel]);
        sim.End(Double11Scenario.AgentsTopic, Shop);
    }
}

/// <summary>At the start, every agent's current status, so capacity is known from the first second.</summary>
internal sealed class AgentSnapshot(IReadOnlyList<AgentProcess> agents) : SimProcess
{
    public override void Step(Double11Simulation sim)
    {
        foreach (var agent in agents)
        {
            agent.Emit(sim);
        }
    }
}
