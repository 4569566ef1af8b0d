using System.Globalization;
using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>
/// What an alert history would have cost the people on call (<c>monitor replay --rules</c>, printed
/// after the history): how many notifications a receiver would have been sent, per shop-hour and in
/// the busiest shop-hours; flaps (an instance firing again within <see cref="FlapWindow"/> of its
/// resolve); and the longest-firing alerts. It is the input for tuning rules before a sale: a rule
/// that flaps wants a <c>for</c> or a <c>clear</c>, a shop-hour with dozens of pages wants grouping.
/// </summary>
/// <remarks>
/// Every change but a hand-over is a notification (fired, escalated, de-escalated, reminded,
/// resolved): that is what the Alertmanager, webhook and chat-robot sinks send. Times are event time.
/// </remarks>
/// <param name="inhibition">The receivers' inhibition (<c>alerting.inhibitBy</c>), to say how many notifications it leaves; null: none.</param>
public sealed class NoiseReport(ShopInhibition? inhibition = null)
{
    /// <summary>A fire this soon after the same instance resolved counts as a flap.</summary>
    public static readonly TimeSpan FlapWindow = TimeSpan.FromMinutes(10);

    private const long HourMs = 3_600_000;
    private const string NoShop = "(no shop)";

    private readonly Dictionary<(string Shop, long Hour), int> _perShopHour = [];
    private readonly Dictionary<string, long> _resolvedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Episode> _firing = new(StringComparer.Ordinal);
    private readonly List<Episode> _episodes = [];
    private readonly Dictionary<string, int> _flapsByRule = new(StringComparer.Ordinal);
    private long _lastMs = long.MinValue;

    /// <summary>Notifications counted so far.</summary>
    public int Notifications { get; private set; }

    /// <summary>Of <see cref="Notifications"/>, those the inhibition lets through to the receivers (all without one).</summary>
    public int AfterInhibition { get; private set; }

    /// <summary>Fires within <see cref="FlapWindow"/> of the same instance's resolve.</summary>
    public int Flaps { get; private set; }

    /// <summary>Flaps per rule.</summary>
    public IReadOnlyDictionary<string, int> FlapsByRule => _flapsByRule;

    /// <summary>Counts one change of the history, in the order the evaluator made them.</summary>
    public void Add(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _lastMs = Math.Max(_lastMs, change.AtMs);
        if (change.Kind == AlertChangeKind.HandedOver)
        {
            inhibition?.Filter(change); // keeps its state; a hand-over is no notification
            // Another instance evaluates it from now on: it was firing here until now.
            if (_firing.Remove(change.InstanceKey, out var handedOver))
            {
                handedOver.EndMs = change.AtMs;
            }

            return;
        }

        Notifications++;
        AfterInhibition += inhibition is null ? 1 : inhibition.Filter(change).Count;
        var key = (change.Label("shop") ?? NoShop, change.AtMs / HourMs); // event times are after 2000: positive
        _perShopHour[key] = _perShopHour.GetValueOrDefault(key) + 1;

        switch (change.Kind)
        {
            case AlertChangeKind.Fired:
                if (_resolvedAt.Remove(change.InstanceKey, out var resolved) && change.AtMs - resolved <= (long)FlapWindow.TotalMilliseconds)
                {
                    Flaps++;
                    _flapsByRule[change.Rule] = _flapsByRule.GetValueOrDefault(change.Rule) + 1;
                }

                var episode = new Episode(Describe(change), change.AtMs) { Worst = change.Severity };
                _firing[change.InstanceKey] = episode;
                _episodes.Add(episode);
                break;
            case AlertChangeKind.Resolved:
                _resolvedAt[change.InstanceKey] = change.AtMs;
                if (_firing.Remove(change.InstanceKey, out var ended))
                {
                    ended.EndMs = change.AtMs;
                }

                break;
            default:
                if (_firing.TryGetValue(change.InstanceKey, out var going) && change.Severity > going.Worst)
                {
                    going.Worst = change.Severity;
                }

                break;
        }
    }

    /// <summary>The shop-hours with the most notifications, most first (ties by shop, then hour).</summary>
    public IReadOnlyList<(string Shop, DateTimeOffset Hour, int Notifications)> BusiestShopHours(int count) =>
        _perShopHour
            .OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key.Shop, StringComparer.Ordinal).ThenBy(pair => pair.Key.Hour)
            .Take(count)
            .Select(pair => (pair.Key.Shop, DateTimeOffset.FromUnixTimeMilliseconds(pair.Key.Hour * HourMs), pair.Value))
            .ToArray();

    /// <summary>
    /// The firing episodes (fire to resolve) that lasted longest, most first; one still firing at
    /// the end counts up to <paramref name="endMs"/> (the last change seen when null).
    /// </summary>
    public IReadOnlyList<(string Instance, Severity Worst, DateTimeOffset From, TimeSpan Firing, bool StillFiring)> LongestFiring(int count, long? endMs = null)
    {
        var end = endMs ?? _lastMs;
        return _episodes
            .Select(e => (e.Instance, e.Worst, From: DateTimeOffset.FromUnixTimeMilliseconds(e.StartMs), Firing: TimeSpan.FromMilliseconds((e.EndMs ?? Math.Max(end, e.StartMs)) - e.StartMs), StillFiring: e.EndMs is null))
            .OrderByDescending(e => e.Firing).ThenBy(e => e.From).ThenBy(e => e.Instance, StringComparer.Ordinal)
            .Take(count)
            .ToArray();
    }

    /// <summary>Notifications per shop-hour over <paramref name="shops"/> shops and the event time from <paramref name="fromMs"/> to <paramref name="toMs"/>.</summary>
    public double PerShopHour(int shops, long fromMs, long toMs)
    {
        var hours = Math.Max(toMs - fromMs, 60_000) / (double)HourMs; // at least a minute: a burst is not "infinitely" noisy
        return shops <= 0 ? 0 : Notifications / (shops * hours);
    }

    /// <summary>Prints the report: the shops and event-time span are the replay's (quiet shops count too).</summary>
    public void Write(TextWriter output, int shops, long? fromMs, long? toMs)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("noise report (what the receivers would have been sent):");
        if (Notifications == 0 || fromMs is not { } from || toMs is not { } to)
        {
            output.WriteLine("  notifications: 0");
            return;
        }

        var span = TimeSpan.FromMilliseconds(to - from);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  notifications: {Notifications:N0} over {shops:N0} shops and {AlertTemplate.Duration(span.TotalSeconds)} of event time: {PerShopHour(shops, from, to):0.0} per shop-hour"));
        if (inhibition is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  after inhibition (a shop's critical crisis alert holds its lesser ones): {AfterInhibition:N0} sent, {Notifications - AfterInhibition:N0} held back"));
        }

        output.WriteLine("  busiest shop-hours:");
        foreach (var (shop, hour, count) in BusiestShopHours(5))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {shop,-24} {hour:yyyy-MM-dd HH}:00Z  {count,5} notifications"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  flaps (fired again within {FlapWindow.TotalMinutes:0} min of resolving): {Flaps:N0}"));
        foreach (var (rule, flaps) in _flapsByRule.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).Take(5))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {rule,-32} {flaps,5}"));
        }

        output.WriteLine("  longest firing:");
        foreach (var (instance, worst, start, firing, still) in LongestFiring(5, to))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {instance,-48} {worst.Label(),-8} {AlertTemplate.Duration(firing.TotalSeconds),8} from {start:yyyy-MM-dd HH:mm:ss}Z{(still ? ", still firing at the end" : "")}"));
        }
    }

    private static string Describe(AlertChange change) =>
        $"{change.Rule}{{{string.Join(",", change.GroupTags.Select(tag => $"{tag.Key}={tag.Value}"))}}}";

    private sealed class Episode(string instance, long startMs)
    {
        public string Instance { get; } = instance;

        public long StartMs { get; } = startMs;

        public long? EndMs { get; set; }

        public Severity Worst { get; set; }
    }
}
