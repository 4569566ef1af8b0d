using System.Runtime.InteropServices;
using Monitor.Core.Metrics;

namespace Monitor.Pipeline;

/// <summary>
/// The per-instance cap on shops (<c>pipeline.maxShops</c>): a flood of made-up shop ids cannot fill
/// the engine's memory, and the shops already here keep working. A shop is here from its first event
/// until it has had none for the series TTL plus the window (by then the engine has let it go too);
/// one more beyond the cap is refused (the intake dead-letters the event as <c>over_capacity</c>). Time is
/// the newest event time seen, so live, rebuild and replay apply the same rule. One thread (the intake's).
/// </summary>
public sealed class ShopAdmission(int maxShops, TimeSpan forgetAfter)
{
    private readonly Dictionary<string, long> _lastSeenMs = new(StringComparer.Ordinal);
    private readonly long _forgetAfterMs = (long)forgetAfter.TotalMilliseconds;
    private long _newestMs = long.MinValue;
    private long _sweptAtMs = long.MinValue;

    /// <summary>The cap: shops admitted at once (<c>pipeline.maxShops</c>).</summary>
    public int MaxShops => maxShops;

    /// <summary>The cap of <paramref name="engine"/>: <see cref="EngineOptions.MaxShops"/>, a shop forgotten after the TTL plus the longest window.</summary>
    public static ShopAdmission For(EngineOptions engine) =>
        new(engine.MaxShops, engine.SeriesTtl + (engine.OrdersWindow > engine.ConversationWindow ? engine.OrdersWindow : engine.ConversationWindow));

    /// <summary>Shops admitted and not yet forgotten.</summary>
    public int Count => _lastSeenMs.Count;

    /// <summary>True when an event of <paramref name="shopId"/> at <paramref name="timestampMs"/> may enter.</summary>
    public bool Admit(string shopId, long timestampMs)
    {
        if (timestampMs > _newestMs)
        {
            _newestMs = timestampMs;
        }

        ref var lastSeen = ref CollectionsMarshal.GetValueRefOrNullRef(_lastSeenMs, shopId);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref lastSeen))
        {
            lastSeen = Math.Max(lastSeen, timestampMs);
            return true;
        }

        if (_lastSeenMs.Count >= maxShops && !SweptRoom())
        {
            return false;
        }

        _lastSeenMs[shopId] = timestampMs;
        return true;
    }

    /// <summary>Forgets the shops quiet for longer than the TTL and window, at most once a minute of event time; true when that made room.</summary>
    private bool SweptRoom()
    {
        if (_sweptAtMs != long.MinValue && _newestMs - _sweptAtMs < 60_000)
        {
            return false;
        }

        _sweptAtMs = _newestMs;
        var before = _newestMs - _forgetAfterMs;
        foreach (var (shop, lastSeen) in _lastSeenMs)
        {
            if (lastSeen < before)
            {
                _lastSeenMs.Remove(shop);
            }
        }

        return _lastSeenMs.Count < maxShops;
    }
}
