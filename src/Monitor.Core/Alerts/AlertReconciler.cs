namespace Monitor.Core.Alerts;

/// <summary>
/// Merges the early and the final alert views of live mode into the notifications people get
/// (DESIGN §5, "speed versus exactness"). An instance is notified at the higher severity of the
/// two views: the early view raises (fires, escalates) within a tick of the event, and the final
/// view, a lateness later, confirms without a second page. Anything the early view lowers
/// (de-escalation, resolve) waits until the final view has judged that time, so a blip the final
/// view also sees is one notification, not two; a lowering by the final view alone goes out at
/// once. Reminders come from the view that leads.
/// </summary>
public sealed class AlertReconciler(long finalStepMs, Action<AlertChange> deliver)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Early lowerings waiting for the final view, by the time the final view must judge.
    private readonly PriorityQueue<(string Key, long AtMs), long> _waiting = new();
    private long _finalWatermarkMs = long.MinValue;

    /// <summary>Instances notified as firing now.</summary>
    public int Firing => _entries.Values.Count(entry => entry.Delivered is not null);

    /// <summary>A change of the early view: a raise goes out at once, a lowering waits until the final view has judged its time.</summary>
    public void OnEarly(AlertChange change) => Update(change, early: true);

    /// <summary>A change of the final view: notified at the higher severity of the two views, so a raise the early view already sent is not paged again.</summary>
    public void OnFinal(AlertChange change) => Update(change, early: false);

    /// <summary>The final view has judged every boundary up to <paramref name="watermarkMs"/>: early lowerings it covers go out.</summary>
    public void OnFinalWatermark(long watermarkMs)
    {
        _finalWatermarkMs = Math.Max(_finalWatermarkMs, watermarkMs);
        while (_waiting.TryPeek(out var item, out _) && FinalHasJudged(item.AtMs))
        {
            _waiting.Dequeue();

            // A newer early change replaced this one (its own wait is queued) or the entry is gone.
            if (_entries.TryGetValue(item.Key, out var entry) && entry.EarlyLoweredAtMs == item.AtMs)
            {
                entry.EarlyLoweredAtMs = long.MinValue;
                Settle(item.Key, entry, entry.EarlyResolve);
            }
        }
    }

    /// <summary>
    /// Shops whose partition went to another instance: their notified alerts are handed over
    /// (forgotten downstream without a resolve), including ones whose resolve was still waiting.
    /// </summary>
    public void HandOver(IReadOnlyCollection<string> shops, long atMs)
    {
        foreach (var (key, entry) in _entries.Where(pair => pair.Value.Shop is { } shop && shops.Contains(shop)).ToList())
        {
            _entries.Remove(key);
            if (entry.Delivered is { } handed)
            {
                deliver(handed with { Kind = AlertChangeKind.HandedOver, AtMs = atMs, PreviousSeverity = null, PreviousLabels = null });
            }
        }
    }

    private bool FinalHasJudged(long atMs) => _finalWatermarkMs != long.MinValue && _finalWatermarkMs >= atMs + finalStepMs;

    private void Update(AlertChange change, bool early)
    {
        if (change.Kind == AlertChangeKind.HandedOver)
        {
            // Either view hands over (both will): forget the instance without resolving it.
            if (_entries.Remove(change.InstanceKey, out var gone) && gone.Delivered is { } handed)
            {
                deliver(handed with { Kind = AlertChangeKind.HandedOver, AtMs = change.AtMs, PreviousSeverity = null, PreviousLabels = null });
            }

            return;
        }

        if (!_entries.TryGetValue(change.InstanceKey, out var entry))
        {
            if (!change.IsFiring)
            {
                return;
            }

            entry = new Entry(change.GroupTags.FirstOrDefault(tag => tag.Key == "shop").Value);
            _entries.Add(change.InstanceKey, entry);
        }

        if (early)
        {
            var before = entry.Early;
            entry.Early = change.IsFiring ? change : null;
            entry.EarlyResolve = change.IsFiring ? null : change;
            if (entry.Early is null || (before is not null && entry.Early.Severity < before.Severity))
            {
                entry.EarlyLoweredAtMs = change.AtMs;
                _waiting.Enqueue((change.InstanceKey, change.AtMs), change.AtMs);
            }
            else if (before is null || entry.Early.Severity > before.Severity)
            {
                entry.EarlyLoweredAtMs = long.MinValue;
            }
        }
        else
        {
            // A final view still firing after the early resolve (a blip it saw later) moves the resolve time.
            if (entry is { Final: { } lastFinal, EarlyResolve: { } earlyResolve } && lastFinal.AtMs > earlyResolve.AtMs)
            {
                entry.EarlyResolve = null;
            }

            entry.Final = change.IsFiring ? change : null;
        }

        Settle(change.InstanceKey, entry, change);
    }

    /// <summary>Brings what was notified in line with the two views, as far as it may yet.</summary>
    private void Settle(string key, Entry entry, AlertChange? cause)
    {
        var lead = Lead(entry);
        var delivered = entry.Delivered;
        if (delivered is null)
        {
            if (lead is null)
            {
                _entries.Remove(key);
            }
            else
            {
                Deliver(entry, lead with { Kind = AlertChangeKind.Fired, PreviousSeverity = null, PreviousLabels = null });
            }

            return;
        }

        if (lead is not null && lead.Severity > delivered.Severity)
        {
            Deliver(entry, Moved(lead, delivered, AlertChangeKind.Escalated));
            return;
        }

        if (lead is not null && lead.Severity == delivered.Severity)
        {
            if (cause is { Kind: AlertChangeKind.Reminded } && ReferenceEquals(cause, lead))
            {
                Deliver(entry, cause with { StartsAtMs = delivered.StartsAtMs });
            }

            return;
        }

        // Lowering: only once the final view has judged the time the early view lowered at.
        if (entry.EarlyLoweredAtMs != long.MinValue && !FinalHasJudged(entry.EarlyLoweredAtMs))
        {
            return;
        }

        if (lead is not null)
        {
            Deliver(entry, Moved(lead, delivered, AlertChangeKind.Deescalated));
            return;
        }

        // Both views clear: the early resolve, if there was one, says when it really cleared.
        var resolving = entry.EarlyResolve ?? cause ?? delivered;
        deliver(delivered with
        {
            Kind = AlertChangeKind.Resolved,
            AtMs = resolving.AtMs,
            Value = resolving.Value,
            Annotations = resolving.Annotations,
            PreviousSeverity = null,
            PreviousLabels = null,
        });
        _entries.Remove(key);
    }

    private static AlertChange Moved(AlertChange lead, AlertChange delivered, AlertChangeKind kind) => lead with
    {
        Kind = kind,
        PreviousSeverity = delivered.Severity,
        PreviousLabels = delivered.Labels,
        StartsAtMs = delivered.StartsAtMs,
    };

    /// <summary>The firing view with the higher severity; the early one on a tie (it is fresher).</summary>
    private static AlertChange? Lead(Entry entry) => (entry.Early, entry.Final) switch
    {
        (null, var final) => final,
        (var early, null) => early,
        var (early, final) => final.Severity > early.Severity ? final : early,
    };

    private void Deliver(Entry entry, AlertChange change)
    {
        entry.Delivered = change;
        deliver(change);
    }

    private sealed class Entry(string? shop)
    {
        public string? Shop { get; } = shop;

        public AlertChange? Early { get; set; }

        public AlertChange? Final { get; set; }

        public AlertChange? Delivered { get; set; }

        /// <summary>The early view's resolve while it stays clear.</summary>
        public AlertChange? EarlyResolve { get; set; }

        /// <summary>When the early view last lowered (de-escalated or resolved); MinValue when it has not since it last rose.</summary>
        public long EarlyLoweredAtMs { get; set; } = long.MinValue;
    }
}
