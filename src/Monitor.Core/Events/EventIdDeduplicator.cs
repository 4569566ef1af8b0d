using System.Runtime.InteropServices;

namespace Monitor.Core.Events;

/// <summary>
/// Remembers recent eventIds in bounded memory: two generations of 64-bit hashes, each holding up
/// to half of <see cref="Capacity"/>; when the young one fills, the old one is dropped. An id is
/// therefore remembered for at least Capacity/2 − 1 later events. A 64-bit hash keeps entries at
/// 8 bytes; a false duplicate needs a collision (about 3e-8 at one million ids).
/// </summary>
public sealed class EventIdDeduplicator
{
    private HashSet<ulong> _young = [];
    private HashSet<ulong> _old = [];

    /// <param name="capacity">Ids remembered at most (default 1,000,000, about 40 MB).</param>
    public EventIdDeduplicator(int capacity = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>True the first time an id is seen, false for a repeat still remembered.</summary>
    public bool FirstSeen(string eventId)
    {
        var hash = Hash(eventId);
        if (_old.Contains(hash) || !_young.Add(hash))
        {
            return false;
        }

        if (_young.Count >= Capacity / 2)
        {
            (_old, _young) = (_young, _old);
            _young.Clear();
        }

        return true;
    }

    /// <summary>
    /// Forgets an id, so its next arrival counts as new: for messages read but not applied before
    /// their partition was revoked, which come again when the partition is assigned back.
    /// </summary>
    public void Forget(string eventId)
    {
        var hash = Hash(eventId);
        _young.Remove(hash);
        _old.Remove(hash);
    }

    /// <summary>64-bit hash of the id's UTF-16 code units, eight bytes per step, with a final avalanche.</summary>
    internal static ulong Hash(string value)
    {
        var bytes = MemoryMarshal.AsBytes(value.AsSpan());
        var hash = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            hash = Mix(hash ^ MemoryMarshal.Read<ulong>(bytes));
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        return Mix(Mix(hash ^ tail));
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 32;
        x *= 0xD6E8FEB86659FD93UL;
        x ^= x >> 32;
        x *= 0xD6E8FEB86659FD93UL;
        return x ^ (x >> 32);
    }
}
