using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>
/// Inhibition in the monitor itself (issue 14): while a shop has a critical alert of an inhibiting
/// rule (by default <c>CrisisLevelRaised</c>), the per-metric alerts of that shop below critical are
/// held back instead of paging, and the crisis alert lists them (annotation <see cref="HeldAnnotation"/>).
/// When the shop's last inhibiting alert drops below critical, what is still firing of the held goes
/// out; what fired and resolved meanwhile never does. Critical alerts are never held.
/// </summary>
/// <remarks>
/// Sits in front of the sinks (<see cref="AlertDispatcher"/>); <c>/api/alerts</c> and the <c>alerts</c>
/// measurement keep every change. A receiver never sees an escalation, a reminder or a resolve of an
/// instance whose firing it was not sent: such a change goes out as the instance's first firing (or
/// not at all). Not thread-safe: the dispatcher calls it under its lock.
/// </remarks>
public sealed class ShopInhibition(IReadOnlyCollection<string> inhibitingRules)
{
    /// <summary>The annotation of an inhibiting alert that names the shop's alerts held back behind it.</summary>
    public const string HeldAnnotation = "held_back";

    private readonly HashSet<string> _inhibitingRules = new(inhibitingRules, StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _inhibitors = new(StringComparer.Ordinal); // shop -> critical inhibiting instances
    private readonly Dictionary<string, Dictionary<string, AlertChange>> _firing = new(StringComparer.Ordinal); // shop -> instance -> latest firing change
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal); // instances whose firing the receivers were sent
    private readonly Dictionary<string, HashSet<string>> _held = new(StringComparer.Ordinal); // shop -> instances with a change held back
    private readonly List<AlertChange> _out = [];

    /// <summary>Inhibition on the default rule: a critical <c>CrisisLevelRaised</c> holds its shop's lesser alerts.</summary>
    public static IReadOnlyList<string> DefaultRules { get; } = ["CrisisLevelRaised"];

    /// <summary>Changes held back so far (each would have been a notification).</summary>
    public long Held { get; private set; }

    /// <summary>
    /// What the receivers are to be sent for <paramref name="change"/>: nothing (held back), the
    /// change itself, the change as a first firing, or, when it ends a shop's inhibition, also the
    /// held alerts still firing. The list is reused: read it before the next call.
    /// </summary>
    public IReadOnlyList<AlertChange> Filter(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _out.Clear();
        var shop = change.Label("shop");
        if (shop is null || _inhibitingRules.Count == 0)
        {
            Send(change);
            return _out;
        }

        Track(shop, change);
        if (_inhibitingRules.Contains(change.Rule))
        {
            var wasInhibited = IsInhibited(shop);
            var inhibitors = _inhibitors.TryGetValue(shop, out var set) ? set : _inhibitors[shop] = new HashSet<string>(StringComparer.Ordinal);
            if (change.IsFiring && change.Severity == Severity.Critical)
            {
                inhibitors.Add(change.InstanceKey);
                Send(WithHeldList(shop, change));
                return _out;
            }

            inhibitors.Remove(change.InstanceKey);
            if (inhibitors.Count == 0)
            {
                _inhibitors.Remove(shop);
            }

            Send(change);
            if (wasInhibited && !IsInhibited(shop))
            {
                Release(shop);
            }

            return _out;
        }

        if (IsInhibited(shop) && change.Severity < Severity.Critical && change.IsFiring)
        {
            // Kept in _firing: listed in the crisis alert's next update, sent at the release if still firing.
            Held++;
            (_held.TryGetValue(shop, out var held) ? held : _held[shop] = new HashSet<string>(StringComparer.Ordinal)).Add(change.InstanceKey);
            return _out;
        }

        if (_held.TryGetValue(shop, out var waiting))
        {
            waiting.Remove(change.InstanceKey); // sent now: nothing of it left to release
        }

        Send(change);
        return _out;
    }

    private bool IsInhibited(string shop) => _inhibitors.ContainsKey(shop);

    /// <summary>Keeps the latest firing change of every instance of the shop (the held list, and what a release sends).</summary>
    private void Track(string shop, AlertChange change)
    {
        if (change.IsFiring)
        {
            var instances = _firing.TryGetValue(shop, out var map) ? map : _firing[shop] = new Dictionary<string, AlertChange>(StringComparer.Ordinal);
            instances[change.InstanceKey] = change;
        }
        else if (_firing.TryGetValue(shop, out var instances) && instances.Remove(change.InstanceKey) && instances.Count == 0)
        {
            _firing.Remove(shop);
        }
    }

    /// <summary>The shop's other firing alerts below critical, named in the inhibiting alert, most severe first.</summary>
    private AlertChange WithHeldList(string shop, AlertChange change)
    {
        if (!_firing.TryGetValue(shop, out var instances))
        {
            return change;
        }

        var held = instances.Values
            .Where(c => !_inhibitingRules.Contains(c.Rule) && c.Severity < Severity.Critical)
            .OrderByDescending(c => c.Severity).ThenBy(c => c.InstanceKey, StringComparer.Ordinal)
            .Select(c => $"{c.Rule} {c.Severity.Label()}")
            .ToArray();
        return held.Length == 0
            ? change
            : change with { Annotations = [.. change.Annotations.Where(a => a.Key != HeldAnnotation), KeyValuePair.Create(HeldAnnotation, string.Join(", ", held))] };
    }

    /// <summary>The shop's inhibition ended: the latest change of every held alert still firing goes out now.</summary>
    private void Release(string shop)
    {
        if (!_held.Remove(shop, out var held) || !_firing.TryGetValue(shop, out var instances))
        {
            return;
        }

        foreach (var change in instances.Values.Where(c => held.Contains(c.InstanceKey)).OrderBy(c => c.AtMs).ThenBy(c => c.InstanceKey, StringComparer.Ordinal).ToArray())
        {
            Send(change);
        }
    }

    /// <summary>Hands a change on, as a first firing when the receivers never saw the instance fire; a resolve of such an instance is not sent.</summary>
    private void Send(AlertChange change)
    {
        if (change.IsFiring)
        {
            if (_sent.Add(change.InstanceKey) && change.Kind != AlertChangeKind.Fired)
            {
                change = change with { Kind = AlertChangeKind.Fired, PreviousSeverity = null, PreviousLabels = null };
            }

            _out.Add(change);
            return;
        }

        if (_sent.Remove(change.InstanceKey))
        {
            _out.Add(change);
        }
    }
}
