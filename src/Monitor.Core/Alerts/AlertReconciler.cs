namespace Monitor.Core.Alerts;

/// <summary>
/// Merges the early and the final alert views of live mode into the notifications people get
/// (DESIGN §5, "speed versus exactness"). An instance is notified at the higher severity of the
/// two views, so the early view fires within a tick of the event and the final view, a lateness
/// later, confirms without a second page. A resolve of the early view waits until the final view
/// has judged that time, so a blip the final view also sees is one alert, not two; a final
/// resolve with the early view clear goes out at once. Reminders come from the view that leads.
/// </summary>
public sealed class AlertReconciler(long finalStepMs, Action<AlertChange> deliver)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _finalWatermarkMs = long.MinValue;

    /// <summary>Instances notified as firing now.</summary>
    public int Firing => _entries.Values.Count(entry => entry.Delivered is not null);

    public void OnEarly(AlertChange change) => Update(change, early: true);

    public void OnFinal(AlertChange change) => Update(change, early: false);

    /// <summary>The final view has judged every boundary up to <paramref name="watermarkMs"/>: held early resolves it covers go out.</summary>
    public void OnFinalWatermark(long watermarkMs)
    {
        _finalWatermarkMs = Math.Max(_finalWatermarkMs, watermarkMs);
        List<string>? released = null;
        foreach (var (key, entry) in _entries)
        {
            if (entry is { Early: null, Final: null, Delivered: not null, EarlyResolve: { } held } && FinalHasJudged(held.AtMs))
            {
                Resolve(entry, held);
                (released ??= []).Add(key);
            }
        }

        foreach (var key in released ?? [])
        {
            _entries.Remove(key);
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

            entry = new Entry();
            _entries.Add(change.InstanceKey, entry);
        }

        if (early)
        {
            entry.Early = change.IsFiring ? change : null;
            entry.EarlyResolve = change.IsFiring ? null : change;
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

        var lead = Lead(entry);
        var delivered = entry.Delivered;
        if (lead is null)
        {
            if (delivered is null)
            {
                _entries.Remove(change.InstanceKey);
            }
            else if (!early || FinalHasJudged(change.AtMs))
            {
                // Both views clear: the early resolve, if there was one, says when it really cleared.
                Resolve(entry, entry.EarlyResolve ?? change);
                _entries.Remove(change.InstanceKey);
            }

            // Otherwise the early resolve waits (OnFinalWatermark) until the final view judged its time.
            return;
        }

        if (delivered is null)
        {
            Deliver(entry, lead with { Kind = AlertChangeKind.Fired, PreviousSeverity = null, PreviousLabels = null });
        }
        else if (lead.Severity != delivered.Severity)
        {
            Deliver(entry, lead with
            {
                Kind = lead.Severity > delivered.Severity ? AlertChangeKind.Escalated : AlertChangeKind.Deescalated,
                PreviousSeverity = delivered.Severity,
                PreviousLabels = delivered.Labels,
                StartsAtMs = delivered.StartsAtMs,
            });
        }
        else if (change.Kind == AlertChangeKind.Reminded && ReferenceEquals(change, lead))
        {
            Deliver(entry, change with { StartsAtMs = delivered.StartsAtMs });
        }
    }

    /// <summary>The firing view with the higher severity; the early one on a tie (it is fresher).</summary>
    private static AlertChange? Lead(Entry entry) => (entry.Early, entry.Final) switch
    {
        (null, var final) => final,
        (var early, null) => early,
        var (early, final) => final.Severity > early.Severity ? final : early,
    };

    private void Resolve(Entry entry, AlertChange resolving)
    {
        var delivered = entry.Delivered!;
        deliver(delivered with
        {
            Kind = AlertChangeKind.Resolved,
            AtMs = resolving.AtMs,
            Value = resolving.Value,
            Annotations = resolving.Annotations,
            PreviousSeverity = null,
            PreviousLabels = null,
        });
        entry.Delivered = null;
    }

    private void Deliver(Entry entry, AlertChange change)
    {
        entry.Delivered = change;
        deliver(change);
    }

    private sealed class Entry
    {
        public AlertChange? Early { get; set; }

        public AlertChange? Final { get; set; }

        public AlertChange? Delivered { get; set; }

        /// <summary>The early view's resolve while it stays clear: held until the final view judged its time.</summary>
        public AlertChange? EarlyResolve { get; set; }
    }
}
