namespace Monitor.Core.Metrics;

/// <summary>The families' stale-item sweep: collect first, then remove, so the dictionary is not changed while read.</summary>
internal static class StaleItems
{
    /// <summary>Calls <paramref name="remove"/> for every item whose last event is before <paramref name="cutoffMs"/>.</summary>
    public static void Evict<TKey, TItem>(Dictionary<TKey, TItem> items, Func<TItem, long> lastEventMs, long cutoffMs, Action<TKey, TItem> remove)
        where TKey : notnull
    {
        List<KeyValuePair<TKey, TItem>>? stale = null;
        foreach (var pair in items)
        {
            if (lastEventMs(pair.Value) < cutoffMs)
            {
                (stale ??= []).Add(pair);
            }
        }

        foreach (var (key, item) in stale ?? [])
        {
            remove(key, item);
        }
    }
}
