using Confluent.Kafka;
using Monitor.Core.Events;

namespace Monitor.Kafka;

/// <summary>
/// The consumer's bookkeeping per partition, without a broker (the loop in <see cref="KafkaInputs"/>
/// is a thin adapter around it):
/// <list type="bullet">
/// <item>the engine source each partition feeds (the engine waits for the slowest one);</item>
/// <item>the partitions assigned now: a message of any other (fetched before its partition was
/// revoked, delivered after) belongs to its next owner;</item>
/// <item>store-after-apply: the messages read whose events the engine has not applied yet, in
/// offset order, so <see cref="Applied"/> says which position to store (the one after the last
/// message that it and every message before it are applied: an event before the watermark, or a
/// message with nothing to apply), never one at or below the floor a look-back re-read started
/// under (that would move the committed offset back), never past an event still waiting in the
/// engine's reorder buffer (at-least-once: a restart reads it again);</item>
/// <item>the look-back rebuild: per partition the committed offset the re-read goes up to
/// (messages below it are replays, deduplicated among themselves only);</item>
/// <item>the ids of the live events read at or after the committed offset: when the partition
/// goes, the intake must forget them, because its next owner (maybe this instance again) reads from
/// the committed offset and must not take them for duplicates. Ids below a committed offset are
/// dropped as commits succeed, so this stays bounded.</item>
/// </list>
/// Single-threaded: the consumer loop and its handlers (which run inside Consume) own it.
/// </summary>
internal sealed class PartitionLedger
{
    private readonly Dictionary<TopicPartition, int> _sources = [];
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly Dictionary<TopicPartition, Queue<(long EventMs, long Offset)>> _unapplied = [];
    private readonly Dictionary<TopicPartition, long> _floors = [];
    private readonly Dictionary<TopicPartition, long> _rebuildUntil = [];
    private readonly Dictionary<TopicPartition, Queue<(long Offset, string EventId)>> _liveIds = [];

    /// <summary>Deduplicates the replayed events of the rebuilds under way; null when none is.</summary>
    public EventIdDeduplicator? RebuildIds { get; private set; }

    /// <summary>The engine source of <paramref name="partition"/>: numbered from 1 as partitions are first seen, and kept.</summary>
    public int SourceOf(TopicPartition partition)
    {
        if (!_sources.TryGetValue(partition, out var id))
        {
            id = _sources.Count + 1;
            _sources[partition] = id;
        }

        return id;
    }

    public void Assign(IEnumerable<TopicPartition> partitions) => _assigned.UnionWith(partitions);

    public bool IsAssigned(TopicPartition partition) => _assigned.Contains(partition);

    /// <summary>A look-back re-read of <paramref name="partition"/> goes up to <paramref name="committed"/>: no position at or below it is stored.</summary>
    public void SetFloor(TopicPartition partition, long committed) => _floors[partition] = committed;

    /// <summary>The floor of <paramref name="partition"/> (see <see cref="SetFloor"/>).</summary>
    public bool TryGetFloor(TopicPartition partition, out long committed) => _floors.TryGetValue(partition, out committed);

    /// <summary>Starts the rebuild of <paramref name="partition"/> up to its floor; returns that committed offset.</summary>
    public long StartRebuild(TopicPartition partition)
    {
        var committed = _floors[partition];
        _rebuildUntil[partition] = committed;
        RebuildIds ??= new EventIdDeduplicator();
        return committed;
    }

    /// <summary>True when message <paramref name="offset"/> of <paramref name="partition"/> is re-read by its rebuild.</summary>
    public bool IsReplay(TopicPartition partition, long offset) =>
        RebuildIds is not null && _rebuildUntil.TryGetValue(partition, out var until) && offset < until;

    /// <summary>True when message <paramref name="offset"/> is the last the rebuild of <paramref name="partition"/> re-reads (or beyond it).</summary>
    public bool EndsRebuild(TopicPartition partition, long offset) =>
        _rebuildUntil.TryGetValue(partition, out var end) && offset + 1 >= end;

    /// <summary>Ends the rebuild of <paramref name="partition"/>; true when one was under way (once).</summary>
    public bool EndRebuild(TopicPartition partition)
    {
        if (!_rebuildUntil.Remove(partition))
        {
            return false;
        }

        if (_rebuildUntil.Count == 0)
        {
            RebuildIds = null;
        }

        return true;
    }

    /// <summary>
    /// Message <paramref name="offset"/> of <paramref name="partition"/> was read; its event, of time
    /// <paramref name="eventMs"/>, went to the engine (null: nothing of it is applied).
    /// </summary>
    public void Read(TopicPartition partition, long offset, long? eventMs)
    {
        if (!_unapplied.TryGetValue(partition, out var queue))
        {
            queue = new Queue<(long, long)>();
            _unapplied[partition] = queue;
        }

        queue.Enqueue((eventMs ?? long.MinValue, offset));
    }

    /// <summary>A live (not replayed) event <paramref name="eventId"/> was read at <paramref name="offset"/>.</summary>
    public void ReadLive(TopicPartition partition, long offset, string eventId)
    {
        if (!_liveIds.TryGetValue(partition, out var ids))
        {
            ids = new Queue<(long, string)>();
            _liveIds[partition] = ids;
        }

        ids.Enqueue((offset, eventId));
    }

    /// <summary>The broker committed <paramref name="offset"/>: live ids below it will never be read again as live events.</summary>
    public void Committed(TopicPartition partition, long offset)
    {
        if (!_liveIds.TryGetValue(partition, out var ids))
        {
            return;
        }

        while (ids.TryPeek(out var read) && read.Offset < offset)
        {
            ids.Dequeue();
        }
    }

    /// <summary>Live ids held for <paramref name="partition"/> (read at or after its committed offset).</summary>
    public int LiveIds(TopicPartition partition) => _liveIds.TryGetValue(partition, out var ids) ? ids.Count : 0;

    /// <summary>Adds to <paramref name="store"/> the position to store per partition now that the engine has applied every event before <paramref name="watermarkMs"/>.</summary>
    public void Applied(long watermarkMs, List<TopicPartitionOffset> store)
    {
        foreach (var (partition, queue) in _unapplied)
        {
            long? last = null;
            while (queue.TryPeek(out var head) && (head.EventMs == long.MinValue || head.EventMs < watermarkMs))
            {
                last = queue.Dequeue().Offset;
            }

            if (last is { } offset && !(_floors.TryGetValue(partition, out var floor) && offset + 1 <= floor))
            {
                store.Add(new TopicPartitionOffset(partition, offset + 1));
            }
        }
    }

    /// <summary>
    /// <paramref name="partition"/> went (revoked or lost): nothing read of it is stored by this
    /// instance any more, and its messages are no longer this instance's.
    /// </summary>
    public Closed Close(TopicPartition partition)
    {
        _assigned.Remove(partition);
        _unapplied.Remove(partition);
        _floors.Remove(partition);
        var ids = _liveIds.Remove(partition, out var live) ? live.Select(read => read.EventId).ToArray() : [];
        var rebuilding = EndRebuild(partition);
        return new Closed(ids, rebuilding, _sources.TryGetValue(partition, out var source) ? source : null);
    }

    /// <summary>What closing a partition leaves to do.</summary>
    /// <param name="LiveIds">Ids the intake must forget (see <see cref="PartitionLedger"/>).</param>
    /// <param name="WasRebuilding">Its rebuild was under way: it ends here.</param>
    /// <param name="Source">Its engine source, when it had fed one.</param>
    public sealed record Closed(IReadOnlyList<string> LiveIds, bool WasRebuilding, int? Source);
}
