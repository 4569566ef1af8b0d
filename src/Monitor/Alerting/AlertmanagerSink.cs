using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Monitor.Core.Alerts;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// A well-behaved Alertmanager API v2 client (<c>POST {AlertmanagerUrl}/api/v2/alerts</c>). It keeps
/// the firing set keyed by <see cref="AlertChange.InstanceKey"/> and:
/// <list type="bullet">
/// <item>sends a new or changed alert at once, with whatever else is waiting, in one POST;</item>
/// <item>re-sends every firing alert every <see cref="AlertingOptions.ResendInterval"/> (30 s) with
/// <c>endsAt</c> = now + 4 × that interval, so Alertmanager resolves it by itself if the monitor dies;</item>
/// <item>when an instance's labels change (severity, level labels) also sends the old labels with
/// <c>endsAt</c> = now, so the old-severity alert resolves at Alertmanager;</item>
/// <item>on <see cref="AlertChangeKind.Resolved"/> sends <c>endsAt</c> = the time the resolve reached
/// the sink, retried until accepted, then forgets the instance;</item>
/// <item>after Alertmanager was unreachable, re-sends the whole firing set as soon as it answers
/// (a restarted Alertmanager has lost its alerts).</item>
/// </list>
/// Disposal sends what is waiting but resolves nothing: firing alerts expire by their <c>endsAt</c>
/// unless another monitor instance takes over.
/// <c>startsAt</c> is the change's <see cref="AlertChange.StartsAtMs"/>; <c>endsAt</c> and the re-send
/// schedule follow the injected <see cref="TimeProvider"/> (wall clock). Retries: see <see cref="DeliveryLoop"/>.
/// Memory is bounded by <see cref="AlertingOptions.MaxActiveAlerts"/> and, per <c>shop</c> label, by
/// <see cref="AlertingOptions.MaxActiveAlertsPerShop"/> (a new instance beyond either is dropped)
/// and <see cref="AlertingOptions.MaxPendingNotifications"/> (oldest pending resolve dropped), both counted
/// in <c>monitor_alert_notifications_total{sink="alertmanager",outcome="dropped"}</c>.
/// </summary>
public sealed class AlertmanagerSink : HttpAlertSink
{
    /// <summary>The <c>sink</c> label value.</summary>
    public const string SinkName = "alertmanager";

    /// <summary>How far ahead of now a firing alert's <c>endsAt</c> lies, in re-send intervals.</summary>
    public const int EndsAtResendIntervals = 4;

    private readonly Dictionary<string, Active> _active = new(StringComparer.Ordinal);

    /// <summary>Firing instances per <c>shop</c> label, for <see cref="AlertingOptions.MaxActiveAlertsPerShop"/>.</summary>
    private readonly Dictionary<string, int> _activePerShop = new(StringComparer.Ordinal);
    private readonly HashSet<string> _due = new(StringComparer.Ordinal);
    private readonly PendingQueue<Resolve> _resolves;
    private DateTimeOffset _nextResend;
    private long _version;

    /// <summary>Validates <paramref name="options"/> (which must name an <see cref="AlertingOptions.AlertmanagerUrl"/>) and starts the send loop.</summary>
    /// <param name="http">Client to send with (owned by the caller); null makes one the sink disposes.</param>
    /// <param name="time">Wall clock for <c>endsAt</c>, the re-send schedule, backoff and timeouts.</param>
    /// <param name="jitter">Source of backoff jitter; <see cref="Random.Shared"/> when null.</param>
    public AlertmanagerSink(
        AlertingOptions options,
        HttpClient? http,
        TimeProvider time,
        MonitorMetrics? metrics = null,
        ILogger<AlertmanagerSink>? logger = null,
        Random? jitter = null)
        : base(SinkName, options, time, metrics, logger)
    {
        var url = options.AlertmanagerUrl ?? throw new ArgumentException("AlertmanagerUrl is required for the Alertmanager sink.", nameof(options));
        _resolves = new PendingQueue<Resolve>(options.MaxPendingNotifications);
        _nextResend = time.GetUtcNow() + options.ResendInterval;
        Logger.LogInformation("Sending alerts to Alertmanager: {Options}", options.ToString());
        Start("Alertmanager", new Uri(AlertingOptions.Show(url).TrimEnd('/') + "/api/v2/alerts"), http, Authorization(options), jitter);
    }

    /// <summary>Instances firing (as far as this sink knows).</summary>
    public int ActiveCount
    {
        get
        {
            lock (Gate)
            {
                return _active.Count;
            }
        }
    }

    private protected override void Accept(AlertChange change)
    {
        var now = Time.GetUtcNow();
        var received = Time.GetTimestamp();
        var generatorUrl = Options.GeneratorUrl(change.Panel);
        var dropped = new List<Resolve>(0);
        var full = false;
        string? shopFull = null;
        lock (Gate)
        {
            _active.TryGetValue(change.InstanceKey, out var current);
            if (change.Kind == AlertChangeKind.HandedOver)
            {
                // Another instance owns the shop now and sends these labels itself: stop re-sending, resolve nothing.
                RemoveActive(change.InstanceKey);
                _due.Remove(change.InstanceKey);
            }
            else if (!change.IsFiring)
            {
                // An instance unknown here (fired before a restart) is resolved all the same: Alertmanager may still hold it.
                RemoveActive(change.InstanceKey);
                _due.Remove(change.InstanceKey);
                var resolved = new Notification(current?.Alert.Labels ?? change.Labels, change.Annotations, current?.Alert.StartsAt ?? StartsAt(change), generatorUrl, received);
                if (_resolves.Add(new Resolve(resolved, now), out var oldest))
                {
                    dropped.Add(oldest);
                }
            }
            else
            {
                var previous = current?.Alert ?? (change.PreviousLabels is { } labels
                    ? new Notification(labels, change.Annotations, StartsAt(change), generatorUrl, null)
                    : null);
                if (previous is not null && !SameLabels(previous.Labels, change.Labels))
                {
                    if (_resolves.Add(new Resolve(previous with { Received = null }, now), out var oldest))
                    {
                        dropped.Add(oldest);
                    }
                }

                var shop = change.Label("shop") ?? "";
                if (current is null && _active.Count >= Options.MaxActiveAlerts)
                {
                    full = true;
                }
                else if (current is null && _activePerShop.GetValueOrDefault(shop) >= Options.MaxActiveAlertsPerShop)
                {
                    // One shop (or a flood of fake ones) cannot take the whole set from the others.
                    shopFull = shop;
                }
                else
                {
                    if (current is null)
                    {
                        _activePerShop[shop] = _activePerShop.GetValueOrDefault(shop) + 1;
                    }

                    _active[change.InstanceKey] = new Active(
                        new Notification(change.Labels, change.Annotations, StartsAt(change), generatorUrl, received), ++_version, shop);
                    _due.Add(change.InstanceKey);
                }
            }
        }

        foreach (var resolve in dropped)
        {
            Telemetry.Dropped(resolve.Alert.Labels, $"more than {Options.MaxPendingNotifications} resolves were waiting; the oldest went unsent");
        }

        if (full)
        {
            Telemetry.Dropped(change.Labels, $"{Options.MaxActiveAlerts} alerts were already firing (MaxActiveAlerts); a new one was not sent");
        }

        if (shopFull is not null)
        {
            Telemetry.Dropped(change.Labels, $"{Options.MaxActiveAlertsPerShop} alerts were already firing for one shop (MaxActiveAlertsPerShop); a new one was not sent");
        }
    }

    /// <summary>Forgets a firing instance, and its place in its shop's count.</summary>
    private void RemoveActive(string instanceKey)
    {
        if (_active.Remove(instanceKey, out var gone))
        {
            if (_activePerShop.TryGetValue(gone.Shop, out var count) && count > 1)
            {
                _activePerShop[gone.Shop] = count - 1;
            }
            else
            {
                _activePerShop.Remove(gone.Shop);
            }
        }
    }

    private protected override DateTimeOffset? NextDueAt
    {
        get
        {
            lock (Gate)
            {
                return _active.Count > 0 ? _nextResend : null;
            }
        }
    }

    private protected override int Pending
    {
        get
        {
            lock (Gate)
            {
                return _resolves.Count + _due.Count;
            }
        }
    }

    private protected override IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> PendingLabels()
    {
        lock (Gate)
        {
            return [.. _resolves.Items.Select(r => r.Alert.Labels), .. _due.Select(key => _active[key].Alert.Labels)];
        }
    }

    private protected override DeliveryBatch? Take(DateTimeOffset now)
    {
        var resolves = new List<Resolve>();
        var firing = new List<(string Key, Active Alert)>();
        long resolvedThrough;
        lock (Gate)
        {
            if (now >= _nextResend)
            {
                _due.UnionWith(_active.Keys);
                _nextResend = now + Options.ResendInterval;
            }

            resolvedThrough = _resolves.PeekInto(resolves, Options.MaxBatchSize);
            foreach (var key in _due)
            {
                if (resolves.Count + firing.Count >= Options.MaxBatchSize)
                {
                    break;
                }

                firing.Add((key, _active[key]));
            }
        }

        if (resolves.Count + firing.Count == 0)
        {
            return null;
        }

        var endsAt = now + EndsAtResendIntervals * Options.ResendInterval;
        var wire = resolves.Select(r => (r.Alert, r.EndsAt)).Concat(firing.Select(f => (f.Alert.Alert, endsAt))).ToArray();
        var body = AlertJson.Array(wire, (writer, item) => WriteAlert(writer, item.Item1, item.Item2));
        var firstDeliveries = wire.Select(w => w.Item1.Received).OfType<long>().ToArray();
        return new DeliveryBatch(body, wire.Length, firstDeliveries, new Sent(resolvedThrough, firing.Select(f => (f.Key, f.Alert.Version)).ToArray()))
        {
            Labels = wire.Select(w => w.Item1.Labels).ToArray(),
        };
    }

    private protected override void Settle(DeliveryBatch batch)
    {
        var sent = (Sent)batch.Token;
        lock (Gate)
        {
            _resolves.RemoveThrough(sent.ResolvedThrough);
            foreach (var (key, version) in sent.Firing)
            {
                // A change that arrived while the batch was in flight keeps the instance due.
                if (_active.TryGetValue(key, out var active) && active.Version == version)
                {
                    _due.Remove(key);
                    if (active.Alert.Received is not null)
                    {
                        _active[key] = active with { Alert = active.Alert with { Received = null } };
                    }
                }
            }
        }
    }

    private protected override void Recovered()
    {
        lock (Gate)
        {
            _due.UnionWith(_active.Keys);
        }
    }

    /// <summary><c>{labels, annotations, startsAt, endsAt, generatorURL}</c>, the API v2 postable alert.</summary>
    private static void WriteAlert(Utf8JsonWriter writer, Notification alert, DateTimeOffset endsAt)
    {
        writer.WriteStartObject();
        AlertJson.Pairs(writer, "labels", alert.Labels);
        AlertJson.Pairs(writer, "annotations", alert.Annotations);
        // Alertmanager rejects the whole batch (400) when endsAt is before startsAt, which an event
        // time ahead of the wall clock (a skewed producer, a replay of future data) would cause.
        AlertJson.Time(writer, "startsAt", alert.StartsAt <= endsAt ? alert.StartsAt : endsAt);
        AlertJson.Time(writer, "endsAt", endsAt);
        if (alert.GeneratorUrl is not null)
        {
            writer.WriteString("generatorURL", alert.GeneratorUrl);
        }

        writer.WriteEndObject();
    }

    private static DateTimeOffset StartsAt(AlertChange change) => AlertJson.FromEpochMs(change.StartsAtMs);

    private static bool SameLabels(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i].Key, b[i].Key, StringComparison.Ordinal) || !string.Equals(a[i].Value, b[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static AuthenticationHeaderValue? Authorization(AlertingOptions options) =>
        !string.IsNullOrEmpty(options.BearerToken) ? new AuthenticationHeaderValue("Bearer", options.BearerToken)
        : !string.IsNullOrEmpty(options.Username) ? new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")))
        : null;

    /// <summary>What Alertmanager gets for one alert; <see cref="Received"/> is the sink's timestamp of a change not yet delivered, else null.</summary>
    private sealed record Notification(
        IReadOnlyList<KeyValuePair<string, string>> Labels,
        IReadOnlyList<KeyValuePair<string, string>> Annotations,
        DateTimeOffset StartsAt,
        string? GeneratorUrl,
        long? Received);

    private sealed record Active(Notification Alert, long Version, string Shop);

    private sealed record Resolve(Notification Alert, DateTimeOffset EndsAt);

    private sealed record Sent(long ResolvedThrough, IReadOnlyList<(string Key, long Version)> Firing);
}
