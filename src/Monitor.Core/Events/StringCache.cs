using System.Text;

namespace Monitor.Core.Events;

/// <summary>
/// Strings for the repeated values of messages (shop, conversation, call, order and agent ids,
/// enum-like fields) without a new string per message: a direct-mapped table keyed by a hash of
/// the UTF-8 bytes, each slot holding a string. A hit (same ASCII characters) returns the same
/// string; a miss (or a collision) makes a new one and takes the slot; values with non-ASCII
/// characters are not cached. Bounded: a fixed number of slots.
/// </summary>
internal sealed class StringCache(int slots = 16_384)
{
    private const int MaxCachedBytes = 64;

    private readonly Entry[] _entries = new Entry[RoundUp(slots)];

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var code = Hash(utf8);
        ref var entry = ref _entries[code & (_entries.Length - 1)];
        if (entry.Code == code && entry.Value is { } cached && cached.Length == utf8.Length && Ascii.Equals(utf8, cached))
        {
            return cached;
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (value.Length == utf8.Length)
        {
            // As many characters as bytes: ASCII, which the comparison above can check without decoding.
            entry = new Entry(code, value);
        }

        return value;
    }

    /// <summary>Eight bytes a step, multiplied and folded: a few nanoseconds for an id (HashCode.AddBytes costs several times that).</summary>
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            hash = (hash ^ System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(bytes)) * 0xD6E8FEB86659FD93UL;
            hash ^= hash >> 29;
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        hash = (hash ^ tail) * 0xD6E8FEB86659FD93UL;
        return (int)(hash ^ (hash >> 32));
    }

    private static int RoundUp(int slots)
    {
        var size = 1;
        while (size < slots)
        {
            size <<= 1;
        }

        return size;
    }

    private readonly record struct Entry(int Code, string? Value);
}
