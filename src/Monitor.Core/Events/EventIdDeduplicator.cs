using System.Runtime.InteropServices;

namespace Monitor.Core.Events;

/// <summary>
/// Remembers recent eventIds in bounded memory: two generations of 64-bit hashes, each holding up
/// to half of <see cref="Capacity"/>; when the young one fills, the old one is dropped. An id is
/// therefore remembered for at least Capacity/2 − 1 later events. A 64-bit hash keeps entries at
/// 8 bytes; a false duplicate needs a collision (about 3e-8 at one million ids). Each generation
/// is an open-addressing table at most half full, so a lookup is usually one cache line, and the
/// tables are allocated once (no growth, no garbage while running).
/// </summary>
public sealed class EventIdDeduplicator
{
    private readonly int _perGeneration;
    private ulong[] _young;
    private ulong[] _old;
    private int _youngCount;

    /// <param name="capacity">Ids remembered at most (default 1,000,000, about 16 MB).</param>
    public EventIdDeduplicator(int capacity = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        Capacity = capacity;
        _perGeneration = capacity / 2;
        var size = 4;
        while (size < capacity)
        {
            size <<= 1;
        }

        _young = new ulong[size];
        _old = new ulong[size];
    }

    /// <summary>Ids remembered at most, both generations together.</summary>
    public int Capacity { get; }

    /// <summary>True the first time an id is seen, false for a repeat still remembered.</summary>
    public bool FirstSeen(string eventId)
    {
        var hash = Hash(eventId);
        if (IndexOf(_old, hash) >= 0)
        {
            return false;
        }

        var mask = _young.Length - 1;
        var i = (int)hash & mask;
        while (_young[i] != 0)
        {
            if (_young[i] == hash)
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        _young[i] = hash;
        if (++_youngCount >= _perGeneration)
        {
            (_old, _young) = (_young, _old);
            Array.Clear(_young);
            _youngCount = 0;
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
        if (Remove(_young, hash))
        {
            _youngCount--;
        }

        Remove(_old, hash);
    }

    private static int IndexOf(ulong[] table, ulong hash)
    {
        var mask = table.Length - 1;
        for (var i = (int)hash & mask; table[i] != 0; i = (i + 1) & mask)
        {
            if (table[i] == hash)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Linear-probing deletion: later entries of the same run move back, so no lookup stops early.</summary>
    private static bool Remove(ulong[] table, ulong hash)
    {
        var i = IndexOf(table, hash);
        if (i < 0)
        {
            return false;
        }

        var mask = table.Length - 1;
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (table[j] == 0)
            {
                break;
            }

            var home = (int)table[j] & mask;
            var stays = i <= j ? i < home && home <= j : i < home || home <= j;
            if (!stays)
            {
                table[i] = table[j];
                i = j;
            }
        }

        table[i] = 0;
        return true;
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

        var mixed = Mix(Mix(hash ^ tail));
        return mixed == 0 ? 1 : mixed; // 0 marks an empty slot
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
