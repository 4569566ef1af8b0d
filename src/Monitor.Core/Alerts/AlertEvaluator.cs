using Monitor.Core.Metrics;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Alerts;

/// <summary>
/// Evaluates a rule set in event time (DESIGN §5): threshold rules on each metric point as it is
/// emitted, per-item timers on the engine's open items at each step boundary. Every state change
/// goes to <c>changed</c> and, as <c>alerts</c> points (firing 1/0, value, threshold), to
/// <c>points</c>. Pure and single-threaded: the same points in the same order give the same
/// changes, so a replay reproduces a live history built on final values.
/// </summary>
public sealed class AlertEvaluator : IBoundaryObserver
{
    /// <summary>The measurement every state change is written to (DESIGN §4): firing 1/0, value, threshold.</summary>
    public const string Measurement = "alerts";

    private readonly AlertRuleSet _rules;
    private readonly Action<AlertChange> _changed;
    private readonly Action<MetricPoint>? _points;
    private readonly Dictionary<string, ThresholdSlot[]> _byMeasurement = new(StringComparer.Ordinal);
    private readonly ThresholdSlot[] _thresholds;
    private readonly TimerSlot[] _timers;
    private readonly Dictionary<string, AlertChange> _firing = new(StringComparer.Ordinal);
    private readonly List<(ThresholdSlot Slot, ThresholdInstance Instance)> _pending = [];
    private readonly List<OpenItem> _oldest = [];
    private readonly List<OpenItem> _oldestEscalated = [];
    private readonly TimerVisit _timerVisit;

    /// <summary>An evaluator of <paramref name="rules"/> that reports each change to <paramref name="changed"/> and, when <paramref name="points"/> is given, writes it there as an <c>alerts</c> point.</summary>
    public AlertEvaluator(AlertRuleSet rules, Action<AlertChange> changed, Action<MetricPoint>? points = null)
    {
        _rules = rules;
        _changed = changed;
        _points = points;
        _thresholds = rules.Thresholds.Select(rule => new ThresholdSlot(rule)).ToArray();
        foreach (var group in _thresholds.GroupBy(slot => slot.Rule.Measurement, StringComparer.Ordinal))
        {
            _byMeasurement[group.Key] = group.ToArray();
        }

        _timers = rules.Timers.Select(rule => new TimerSlot(rule)).ToArray();
        _timerVisit = new TimerVisit(this);
    }

    /// <summary>
    /// Early results (DESIGN §5): told (shop, time) of the next moment a judgement of the shop could
    /// change without new events: a <c>for</c> that will have held, an age that will cross a
    /// threshold, a timer that will remind or escalate. Null for the final view.
    /// </summary>
    public Action<string, long>? WakeHint { get; init; }

    /// <summary>Alert instances firing now (their latest change), by instance key.</summary>
    public IReadOnlyCollection<AlertChange> Firing => _firing.Values;

    /// <summary>Instances held in state (firing, pending or recently seen).</summary>
    public int Instances => _thresholds.Sum(slot => slot.Instances.Count) + _timers.Sum(slot => slot.Instances.Count);

    /// <summary>
    /// Takes one metric point for every threshold rule on its measurement. Points of one instance
    /// at one boundary (several series grouped into one instance, e.g. keywords of a category) are
    /// combined first: integer fields summed, others the worst value for the rule's direction.
    /// The instance is judged once per boundary: at <see cref="OnBoundary"/>, or when its next
    /// boundary's point arrives.
    /// </summary>
    public void Observe(MetricPoint point)
    {
        if (point.IsSeries)
        {
            ObserveSeries(point);
            return;
        }

        if (!_byMeasurement.TryGetValue(point.Measurement, out var slots))
        {
            return;
        }

        foreach (var slot in slots)
        {
            if (!slot.Matches(point) || point.Field(slot.Rule.Field) is not { } field || double.IsNaN(field.Value))
            {
                continue;
            }

            var samples = slot.Rule.MinSamples is { } min ? point.Field(min.Field)?.Value ?? 0 : 0;
            var aging = slot.Ages && WakeHint is not null && point.Field("waiting")?.Value > 0;
            Take(slot, slot.InstanceFor(point, _rules.Service), point.TimestampMs, field.Value, field.Kind, samples, aging);
        }
    }

    /// <summary>
    /// A series point: which rule instances it feeds (filters passed, group key) is found once and
    /// kept on the point, so a boundary costs no tag matching or key building per rule.
    /// </summary>
    private void ObserveSeries(MetricPoint point)
    {
        var binding = point.AlertBinding is SeriesBinding { } mine && mine.Owner == this ? mine
            : point.AlertBinding2 is SeriesBinding { } other && other.Owner == this ? other
            : Bind(point);
        foreach (var entry in binding.Entries)
        {
            if (!point.TryGet(entry.FieldSlot, out var value) || double.IsNaN(value))
            {
                continue;
            }

            if (entry.Instance.Removed)
            {
                entry.Instance = entry.Slot.InstanceFor(point, _rules.Service);
            }

            var samples = entry.SamplesSlot >= 0 && point.TryGet(entry.SamplesSlot, out var count) ? count : 0;
            var aging = entry.WaitingSlot >= 0 && point.TryGet(entry.WaitingSlot, out var waiting) && waiting > 0;
            Take(entry.Slot, entry.Instance, point.TimestampMs, value, entry.Kind, samples, aging);
        }
    }

    /// <summary>Whether a series point feeds some threshold rule of this evaluator (found once per series).</summary>
    internal bool Feeds(MetricPoint point)
    {
        var binding = point.AlertBinding is SeriesBinding { } mine && mine.Owner == this ? mine
            : point.AlertBinding2 is SeriesBinding { } other && other.Owner == this ? other
            : Bind(point);
        return binding.Entries.Length > 0;
    }

    private SeriesBinding Bind(MetricPoint point)
    {
        var entries = new List<BoundSlot>();
        var schema = point.Schema!;
        if (_byMeasurement.TryGetValue(point.Measurement, out var slots))
        {
            foreach (var slot in slots)
            {
                var fieldSlot = schema.SlotOf(slot.Rule.Field);
                if (fieldSlot < 0 || !slot.Matches(point))
                {
                    continue;
                }

                entries.Add(new BoundSlot(slot, slot.InstanceFor(point, _rules.Service), fieldSlot, schema.Kinds[fieldSlot])
                {
                    SamplesSlot = slot.Rule.MinSamples is { } min ? schema.SlotOf(min.Field) : -1,
                    WaitingSlot = slot.Ages && WakeHint is not null ? schema.SlotOf("waiting") : -1,
                });
            }
        }

        var binding = new SeriesBinding(this, entries.ToArray());
        if (point.AlertBinding is not SeriesBinding { } held || held.Owner == this)
        {
            point.AlertBinding = binding;
        }
        else
        {
            point.AlertBinding2 = binding;
        }

        return binding;
    }

    /// <summary>One value for an instance at a boundary; points of one instance and boundary combine (sum of counts, else the worst).</summary>
    private void Take(ThresholdSlot slot, ThresholdInstance instance, long atMs, double value, FieldKind kind, double samples, bool aging)
    {
        if (instance.PendingMs == atMs)
        {
            instance.PendingValue = kind == FieldKind.Integer ? instance.PendingValue + value
                : slot.Rule.Direction == Direction.Above ? Math.Max(instance.PendingValue, value)
                : Math.Min(instance.PendingValue, value);
            instance.PendingSamples += samples;
            return;
        }

        if (instance.PendingMs != long.MinValue)
        {
            JudgePending(slot, instance);
        }
        else
        {
            _pending.Add((slot, instance));
        }

        instance.PendingMs = atMs;
        instance.PendingValue = value;
        instance.PendingSamples = samples;
        instance.Aging = aging;
    }
    /// <inheritdoc />
    public void OnBoundary(long boundaryMs, IOpenItemSource items)
    {
        JudgePending();
        foreach (var slot in _thresholds)
        {
            SweepNoData(slot, boundaryMs);
        }

        foreach (var slot in _timers)
        {
            _timerVisit.Slot = slot;
            _timerVisit.AtMs = boundaryMs;
            items.VisitOpenItems(slot.Rule.Queue, _timerVisit);
            ResolveTimersNotSeen(slot, boundaryMs);
        }
    }

    /// <summary>Judges every instance with points waiting (early results emitted between boundaries).</summary>
    public void JudgePending()
    {
        foreach (var (slot, instance) in _pending)
        {
            if (instance.PendingMs != long.MinValue)
            {
                JudgePending(slot, instance);
            }
        }

        _pending.Clear();
    }

    /// <summary>Early results: the per-item timers of one shop on its items open now.</summary>
    internal void CheckTimers(ShopState shop, in View view)
    {
        foreach (var slot in _timers)
        {
            CheckTimer(slot, shop.ShopId, shop.OpenItems(slot.Rule.Queue, view), view.AtMs);
        }
    }

    /// <summary>True when any timer rule is loaded (open items are then visited at each boundary).</summary>
    public bool HasTimers => _timers.Length > 0;

    /// <summary>Resolves and forgets instances without a judgement for their rule's noDataAfter (early results, which have no boundaries).</summary>
    public void SweepNoData(long atMs)
    {
        foreach (var slot in _thresholds)
        {
            SweepNoData(slot, atMs);
        }
    }

    /// <inheritdoc />
    public void OnShopsDropped(IReadOnlyCollection<string> shops)
    {
        // The new owner of these shops evaluates them from now on: firing instances are handed
        // over (forgotten downstream without a resolve, which would fight the new owner).
        foreach (var slot in _thresholds)
        {
            foreach (var key in slot.Instances.Where(pair => pair.Value.Shop is { } shop && shops.Contains(shop)).Select(pair => pair.Key).ToList())
            {
                var instance = slot.Instances[key];
                instance.PendingMs = long.MinValue;
                instance.Removed = true;
                HandOver(instance.Key);
                slot.Instances.Remove(key);
            }
        }

        foreach (var slot in _timers)
        {
            foreach (var shop in shops)
            {
                if (slot.Instances.Remove(shop, out var timer))
                {
                    HandOver(timer.Remind.Key);
                    HandOver(timer.Escalate.Key);
                }
            }
        }
    }

    private void HandOver(string instanceKey)
    {
        if (_firing.Remove(instanceKey, out var last))
        {
            _changed(last with { Kind = AlertChangeKind.HandedOver, PreviousSeverity = null, PreviousLabels = null });
        }
    }

    private void JudgePending(ThresholdSlot slot, ThresholdInstance instance)
    {
        var atMs = instance.PendingMs;
        instance.PendingMs = long.MinValue;
        if (slot.Rule.MinSamples is { } min && instance.PendingSamples < min.Count)
        {
            // Not judged, so not "held" either: `for` must start over once samples suffice again.
            Array.Fill(instance.HeldSince, long.MaxValue);
            return;
        }

        Judge(slot, instance, atMs, instance.PendingValue);
    }

    private void Judge(ThresholdSlot slot, ThresholdInstance instance, long atMs, double value)
    {
        var levels = slot.Rule.Levels;
        var above = slot.Rule.Direction == Direction.Above;
        var target = -1;
        for (var i = levels.Count - 1; i >= 0; i--)
        {
            var level = levels[i];
            var entered = above ? value >= level.Threshold : value <= level.Threshold;
            instance.HeldSince[i] = entered ? Math.Min(instance.HeldSince[i], atMs) : long.MaxValue;
            if (target >= 0)
            {
                continue;
            }

            var held = entered && atMs - instance.HeldSince[i] >= (long)level.For.TotalMilliseconds;
            var kept = i <= instance.Level && (above ? value >= level.Clear : value <= level.Clear);
            if (held || kept)
            {
                target = i;
            }
        }

        instance.LastJudgedMs = atMs;
        instance.Value = value;
        if (WakeHint is not null && instance.Shop is { } shop)
        {
            Hint(slot, instance, shop, target, atMs, value);
        }

        if (target == instance.Level)
        {
            return;
        }

        var previous = instance.Level;
        instance.Level = target;
        if (previous < 0)
        {
            instance.StartsAtMs = atMs;
        }

        var kind = target < 0 ? AlertChangeKind.Resolved
            : previous < 0 ? AlertChangeKind.Fired
            : target > previous ? AlertChangeKind.Escalated
            : AlertChangeKind.Deescalated;
        var shown = target >= 0 ? target : previous;
        Publish(slot.Change(instance, kind, shown, previous, atMs));
    }

    /// <summary>When this instance's level could change with no new event: a pending for, or an age crossing a threshold.</summary>
    private void Hint(ThresholdSlot slot, ThresholdInstance instance, string shop, int target, long atMs, double value)
    {
        var levels = slot.Rule.Levels;
        var wake = long.MaxValue;
        for (var i = target + 1; i < levels.Count; i++)
        {
            if (instance.HeldSince[i] != long.MaxValue)
            {
                wake = Math.Min(wake, instance.HeldSince[i] + (long)levels[i].For.TotalMilliseconds);
            }
            else if (slot.Ages && instance.Aging && levels[i].Threshold > value)
            {
                wake = Math.Min(wake, atMs + (long)Math.Ceiling((levels[i].Threshold - value) * 1000));
            }
        }

        if (wake != long.MaxValue && wake > atMs)
        {
            WakeHint!(shop, wake);
        }
    }

    private void SweepNoData(ThresholdSlot slot, long boundaryMs)
    {
        var noDataMs = (long)slot.Rule.NoDataAfter.TotalMilliseconds;
        List<string>? gone = null;
        foreach (var (key, instance) in slot.Instances)
        {
            var lastMs = Math.Max(instance.LastJudgedMs, instance.CreatedMs);
            if (boundaryMs - lastMs <= noDataMs)
            {
                continue;
            }

            if (instance.Level >= 0)
            {
                var previous = instance.Level;
                instance.Level = -1;
                Publish(slot.Change(instance, AlertChangeKind.Resolved, previous, previous, boundaryMs));
            }

            (gone ??= []).Add(key);
        }

        foreach (var key in gone ?? [])
        {
            if (slot.Instances.Remove(key, out var instance))
            {
                instance.Removed = true;
            }
        }
    }

    private void CheckTimer(TimerSlot slot, string shop, OpenItemCursor open, long boundaryMs)
    {
        var rule = slot.Rule;
        var remindCutoff = boundaryMs - (long)rule.RemindAfter.TotalMilliseconds;
        var escalateCutoff = rule.EscalateAfter is { } escalateAfter ? boundaryMs - (long)escalateAfter.TotalMilliseconds : long.MinValue;
        int due = 0, escalated = 0;
        long nextDue = long.MaxValue, nextEscalation = long.MaxValue;
        _oldest.Clear();
        _oldestEscalated.Clear();
        while (open.Next(out var item))
        {
            if (item.SinceMs > remindCutoff)
            {
                nextDue = item.SinceMs + (long)rule.RemindAfter.TotalMilliseconds;
                nextEscalation = Math.Min(nextEscalation, item.SinceMs + (long)(rule.EscalateAfter ?? TimeSpan.Zero).TotalMilliseconds);
                break;
            }

            // The reminder covers every due item; the escalation also counts those past escalateAfter.
            due++;
            AddOldest(_oldest, item, rule.ShowItems);
            if (item.SinceMs <= escalateCutoff)
            {
                escalated++;
                AddOldest(_oldestEscalated, item, rule.ShowItems);
            }
            else if (nextEscalation == long.MaxValue)
            {
                nextEscalation = item.SinceMs + (long)(rule.EscalateAfter ?? TimeSpan.Zero).TotalMilliseconds;
            }
        }

        if (!slot.Instances.TryGetValue(shop, out var timer))
        {
            if (due == 0 && escalated == 0)
            {
                HintTimer(slot, null, shop, nextDue, nextEscalation, boundaryMs);
                return;
            }

            timer = slot.Create(shop, _rules.Service);
        }

        timer.SeenMs = boundaryMs;
        UpdateStage(slot, timer, timer.Remind, due, _oldest, boundaryMs);
        UpdateStage(slot, timer, timer.Escalate, escalated, _oldestEscalated, boundaryMs);
        HintTimer(slot, timer, shop, nextDue, nextEscalation, boundaryMs);
        if (!timer.Remind.Firing && !timer.Escalate.Firing)
        {
            slot.Instances.Remove(shop);
        }
    }

    /// <summary>Early results: when this shop's timer next reminds, repeats or escalates with no new event.</summary>
    private void HintTimer(TimerSlot slot, TimerInstance? timer, string shop, long nextDue, long nextEscalation, long atMs)
    {
        if (WakeHint is null)
        {
            return;
        }

        var rule = slot.Rule;
        var repeatMs = (long)rule.RepeatEvery.TotalMilliseconds;
        var wake = timer is { Remind.Firing: true } ? timer.Remind.NotifiedMs + repeatMs : nextDue;
        if (rule.EscalateAfter is not null)
        {
            wake = Math.Min(wake, timer is { Escalate.Firing: true } ? timer.Escalate.NotifiedMs + repeatMs : nextEscalation);
        }

        if (wake != long.MaxValue && wake > atMs)
        {
            WakeHint(shop, wake);
        }
    }

    private static void AddOldest(List<OpenItem> oldest, OpenItem item, int max)
    {
        if (oldest.Count < max)
        {
            oldest.Add(item);
        }
    }

    private void UpdateStage(TimerSlot slot, TimerInstance timer, TimerStage stage, int count, List<OpenItem> oldest, long boundaryMs)
    {
        AlertChangeKind kind;
        if (count > 0 && !stage.Firing)
        {
            stage.StartsAtMs = boundaryMs;
            kind = AlertChangeKind.Fired;
        }
        else if (count > 0 && boundaryMs - stage.NotifiedMs >= (long)slot.Rule.RepeatEvery.TotalMilliseconds)
        {
            kind = AlertChangeKind.Reminded;
        }
        else if (count == 0 && stage.Firing)
        {
            kind = AlertChangeKind.Resolved;
        }
        else
        {
            return;
        }

        stage.Firing = count > 0;
        stage.NotifiedMs = boundaryMs;
        Publish(slot.Change(timer, stage, kind, count, oldest, boundaryMs));
    }

    private void ResolveTimersNotSeen(TimerSlot slot, long boundaryMs)
    {
        List<string>? gone = null;
        foreach (var (shop, timer) in slot.Instances)
        {
            if (timer.SeenMs != boundaryMs)
            {
                UpdateStage(slot, timer, timer.Remind, 0, [], boundaryMs);
                UpdateStage(slot, timer, timer.Escalate, 0, [], boundaryMs);
                (gone ??= []).Add(shop);
            }
        }

        foreach (var shop in gone ?? [])
        {
            slot.Instances.Remove(shop);
        }
    }

    private void Publish(AlertChange change)
    {
        if (change.IsFiring)
        {
            _firing[change.InstanceKey] = change;
        }
        else
        {
            _firing.Remove(change.InstanceKey);
        }

        _changed(change);
        if (_points is null)
        {
            return;
        }

        if (change.PreviousSeverity is { } previous && previous != change.Severity)
        {
            _points(AlertPoint(change, previous, firing: false));
        }

        _points(AlertPoint(change, change.Severity, change.IsFiring));
    }

    private static MetricPoint AlertPoint(AlertChange change, Severity severity, bool firing)
    {
        // Tags: rule, severity, shop (contract) plus any other group tag, so instances of one
        // rule that differ only in, say, channel do not overwrite each other's points.
        var tags = new List<KeyValuePair<string, string>>
        {
            new("rule", change.Rule),
            new("severity", severity.Label()),
        };
        foreach (var (key, value) in change.GroupTags)
        {
            tags.Add(new(key, value));
        }

        tags.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new MetricPoint(
            Measurement,
            tags,
            [MetricField.Int("firing", firing ? 1 : 0), MetricField.Float("value", change.Value), MetricField.Float("threshold", change.Threshold)],
            change.AtMs);
    }

    private static string InstanceKey(string rule, IReadOnlyList<KeyValuePair<string, string>> group, string? suffix = null) =>
        $"{rule}{{{string.Join(",", group.Select(pair => $"{pair.Key}={pair.Value}"))}}}{suffix}";

    private static IReadOnlyList<KeyValuePair<string, string>> Labels(
        string rule,
        Severity severity,
        string service,
        IReadOnlyList<KeyValuePair<string, string>> group,
        IReadOnlyDictionary<string, string> ruleLabels,
        IReadOnlyDictionary<string, string>? overrides)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = rule,
            ["service"] = service,
        };
        foreach (var (key, value) in group)
        {
            labels[key] = value;
        }

        foreach (var (key, value) in ruleLabels)
        {
            labels[key] = value;
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        labels["severity"] = severity.Label();
        return labels.ToArray();
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Annotations(
        AlertText text,
        IReadOnlyList<KeyValuePair<string, string>> labels,
        IReadOnlyDictionary<string, string> values)
    {
        string? Lookup(string name)
        {
            if (values.TryGetValue(name, out var value))
            {
                return value;
            }

            foreach (var label in labels)
            {
                if (label.Key == name)
                {
                    return label.Value;
                }
            }

            return null;
        }

        var annotations = new List<KeyValuePair<string, string>>
        {
            new("summary", AlertTemplate.Render(text.Summary, Lookup)),
            new("description", AlertTemplate.Render(text.Description, Lookup)),
        };
        if (text.RunbookUrl is { } runbook)
        {
            annotations.Add(new("runbook_url", runbook));
        }

        foreach (var (key, value) in values)
        {
            // Item ids of per-item timers travel here, never in labels.
            if (key == "items")
            {
                annotations.Add(new("oldest_items", value));
            }
            else if (key is not ("rule" or "severity" or "threshold"))
            {
                annotations.Add(new(key, value));
            }
        }

        annotations.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return annotations;
    }

    /// <summary>The rule instances one series point feeds, for one evaluator.</summary>
    private sealed record SeriesBinding(AlertEvaluator Owner, BoundSlot[] Entries);

    private sealed class BoundSlot(ThresholdSlot slot, ThresholdInstance instance, int fieldSlot, FieldKind kind)
    {
        public ThresholdSlot Slot { get; } = slot;

        public ThresholdInstance Instance { get; set; } = instance;

        public int FieldSlot { get; } = fieldSlot;

        public FieldKind Kind { get; } = kind;

        public int SamplesSlot { get; init; } = -1;

        public int WaitingSlot { get; init; } = -1;
    }

    /// <summary>Checks one timer rule on each shop the engine visits (one object, no delegate per boundary).</summary>
    private sealed class TimerVisit(AlertEvaluator owner) : IOpenItemVisitor
    {
        public TimerSlot? Slot { get; set; }

        public long AtMs { get; set; }

        public void Visit(string shop, OpenItemCursor items) => owner.CheckTimer(Slot!, shop, items, AtMs);
    }

    private sealed class ThresholdSlot
    {
        private readonly KeyValuePair<string, IReadOnlyList<string>>[] _filters;

        public ThresholdSlot(ThresholdRule rule)
        {
            Rule = rule;
            Ages = rule.Measurement == Measurements.Backlog && rule.Field == "oldest_wait_seconds" && rule.Direction == Direction.Above;
            _filters = rule.Filters.ToArray();
        }

        public ThresholdRule Rule { get; }

        /// <summary>The field is an age that grows by a second per second while items wait (backlog oldest_wait_seconds).</summary>
        public bool Ages { get; }

        public Dictionary<string, ThresholdInstance> Instances { get; } = new(StringComparer.Ordinal);

        public bool Matches(MetricPoint point)
        {
            foreach (var (tag, allowed) in _filters)
            {
                var value = point.Tag(tag);
                if (value is null || !allowed.Contains(value))
                {
                    return false;
                }
            }

            return true;
        }

        public ThresholdInstance InstanceFor(MetricPoint point, string service)
        {
            var groupBy = Rule.GroupBy;
            var key = groupBy.Count == 1 ? point.Tag(groupBy[0]) ?? "" : string.Join('\u001f', groupBy.Select(tag => point.Tag(tag) ?? ""));
            if (Instances.TryGetValue(key, out var instance))
            {
                return instance;
            }

            var group = groupBy.Select(tag => new KeyValuePair<string, string>(tag, point.Tag(tag) ?? "")).OrderBy(pair => pair.Key, StringComparer.Ordinal).ToArray();
            instance = new ThresholdInstance(InstanceKey(Rule.Name, group), group, Rule.Levels.Count, service, point.TimestampMs);
            Instances.Add(key, instance);
            return instance;
        }

        public AlertChange Change(ThresholdInstance instance, AlertChangeKind kind, int level, int previous, long atMs)
        {
            var rule = Rule;
            var shown = rule.Levels[level];
            var labels = Labels(rule.Name, shown.Severity, instance.Service, instance.Group, rule.Labels, shown.Labels);
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["value"] = AlertTemplate.Format(instance.Value, rule.Unit),
                ["threshold"] = AlertTemplate.Format(shown.Threshold, rule.Unit),
                ["severity"] = shown.Severity.Label(),
                ["rule"] = rule.Name,
            };
            var levelChanged = kind is AlertChangeKind.Escalated or AlertChangeKind.Deescalated;
            var before = levelChanged ? rule.Levels[previous] : null;
            return new AlertChange(kind, rule.Name, instance.Key, shown.Severity, labels, Annotations(rule.Text, labels, values), instance.Value, shown.Threshold, instance.StartsAtMs, atMs)
            {
                PreviousSeverity = before?.Severity,
                PreviousLabels = before is null ? null : Labels(rule.Name, before.Severity, instance.Service, instance.Group, rule.Labels, before.Labels),
                Panel = rule.Panel,
                GroupTags = instance.Group,
            };
        }
    }

    private sealed class ThresholdInstance(string key, IReadOnlyList<KeyValuePair<string, string>> group, int levels, string service, long createdMs)
    {
        public string Key { get; } = key;

        public IReadOnlyList<KeyValuePair<string, string>> Group { get; } = group;

        public string Service { get; } = service;

        public string? Shop { get; } = group.FirstOrDefault(pair => pair.Key == "shop").Value;

        public long CreatedMs { get; } = createdMs;

        /// <summary>Per level: since when the value has been at or beyond its threshold (MaxValue: not now).</summary>
        public long[] HeldSince { get; } = Enumerable.Repeat(long.MaxValue, levels).ToArray();

        /// <summary>Index of the active level; -1 when ok.</summary>
        public int Level { get; set; } = -1;

        public long LastJudgedMs { get; set; } = long.MinValue;

        /// <summary>Boundary of the combined point waiting to be judged; MinValue when none.</summary>
        public long PendingMs { get; set; } = long.MinValue;

        public double PendingValue { get; set; }

        public double PendingSamples { get; set; }

        /// <summary>Early results: items waited when the pending point was taken, so its age keeps growing.</summary>
        public bool Aging { get; set; }

        /// <summary>Left its slot (no data, handed over): series points bound to it look their instance up again.</summary>
        public bool Removed { get; set; }

        public long StartsAtMs { get; set; }

        public double Value { get; set; }
    }

    private sealed class TimerSlot(TimerRule rule)
    {
        public TimerRule Rule { get; } = rule;

        public Dictionary<string, TimerInstance> Instances { get; } = new(StringComparer.Ordinal);

        public TimerInstance Create(string shop, string service)
        {
            var group = new KeyValuePair<string, string>[] { new("shop", shop) };
            var remind = new TimerStage(
                InstanceKey(Rule.Name, group),
                Rule.Severity,
                Labels(Rule.Name, Rule.Severity, service, group, Rule.Labels, null),
                Rule.RemindAfter);
            var escalate = new TimerStage(
                InstanceKey(Rule.Name, group, "/escalated"),
                Rule.EscalateSeverity,
                Labels(Rule.Name, Rule.EscalateSeverity, service, group, Rule.Labels, Rule.EscalateLabels),
                Rule.EscalateAfter ?? TimeSpan.Zero);
            var timer = new TimerInstance(group, remind, escalate);
            Instances.Add(shop, timer);
            return timer;
        }

        public AlertChange Change(TimerInstance timer, TimerStage stage, AlertChangeKind kind, int count, List<OpenItem> oldest, long atMs)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["value"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["count"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["threshold"] = AlertTemplate.Duration(stage.After.TotalSeconds),
                ["severity"] = stage.Severity.Label(),
                ["rule"] = Rule.Name,
                ["items"] = string.Join(", ", oldest.Select(item => $"{item.Id} ({AlertTemplate.Duration((atMs - item.SinceMs) / 1000.0)})")),
            };
            if (oldest.Count > 0)
            {
                values["oldest_wait"] = AlertTemplate.Duration((atMs - oldest[0].SinceMs) / 1000.0);
            }

            return new AlertChange(kind, Rule.Name, stage.Key, stage.Severity, stage.Labels, Annotations(Rule.Text, stage.Labels, values), count, stage.After.TotalSeconds, stage.StartsAtMs, atMs)
            {
                Panel = Rule.Panel,
                GroupTags = timer.Group,
            };
        }
    }

    private sealed class TimerInstance(IReadOnlyList<KeyValuePair<string, string>> group, TimerStage remind, TimerStage escalate)
    {
        public IReadOnlyList<KeyValuePair<string, string>> Group { get; } = group;

        public TimerStage Remind { get; } = remind;

        public TimerStage Escalate { get; } = escalate;

        public long SeenMs { get; set; }
    }

    private sealed class TimerStage(string key, Severity severity, IReadOnlyList<KeyValuePair<string, string>> labels, TimeSpan after)
    {
        public string Key { get; } = key;

        public Severity Severity { get; } = severity;

        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; } = labels;

        public TimeSpan After { get; } = after;

        public bool Firing { get; set; }

        public long StartsAtMs { get; set; }

        public long NotifiedMs { get; set; }
    }
}
