using Monitor.Alerting;
using Monitor.Core.Alerts;

namespace Monitor.Tests.Alerting;

public sealed class AlertRulesLoaderTests
{
    /// <summary>A rule and a timer using every key.</summary>
    private const string Example = """
        service: shop-monitor
        rules:
          - name: ChatFirstResponseSlow
            metric: response_time.p90
            where: {channel: chat, kind: [first, reply]}
            groupBy: [shop, channel]
            direction: above
            for: 1m
            minSamples: {field: count, count: 20}
            noDataAfter: 10m
            unit: seconds
            levels:
              warning:  {threshold: 60, clear: 45}
              major:    {threshold: 120, clear: 90, for: 30s, labels: {team: cs-leads}}
              critical: 300
            summary: "First-response p90 {{value}} in shop {{shop}} (over {{threshold}})"
            description: "{{channel}}: {{severity}} for team {{team}}"
            runbook: docs/runbook.md#chatfirstresponseslow
            labels: {team: chat}
            panel: service-monitor-war-room/5
        timers:
          - name: ChatWaiting30m
            queue: chat
            remindAfter: 30m
            repeatEvery: 15m
            escalateAfter: 60m
            severity: warning
            escalate: {severity: critical, labels: {team: cs-leads}}
            showItems: 5
            summary: "{{count}} chats waiting over 30 minutes in shop {{shop}}"
            description: "Oldest: {{items}}"
            labels: {team: chat}
        """;

    private static string[] Errors(string yaml)
    {
        var (rules, errors) = AlertRulesLoader.Parse(yaml, "F");
        Assert.Null(rules);
        Assert.NotEmpty(errors);
        return errors.Select(e => e.ToString()).ToArray();
    }

    /// <summary>A valid rule with <paramref name="extra"/> lines (indented to the rule's keys) before its levels.</summary>
    private static string Rule(string extra, string levels = "warning: 1") => $"""
        rules:
          - name: Slow
            metric: response_time.p90
        {string.Join("\n", extra.Split('\n').Select(line => "    " + line))}
            levels: {"{"}{levels}{"}"}
        """;

    [Fact]
    public void Example_ParsesToTheModel()
    {
        var (rules, errors) = AlertRulesLoader.Parse(Example, "F");

        Assert.Empty(errors);
        Assert.NotNull(rules);
        Assert.Equal("shop-monitor", rules.Service);
        var rule = Assert.Single(rules.Thresholds);
        Assert.Equal(("ChatFirstResponseSlow", "response_time", "p90", Direction.Above), (rule.Name, rule.Measurement, rule.Field, rule.Direction));
        Assert.Equal(["channel", "kind"], rule.Filters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["chat"], rule.Filters["channel"]);
        Assert.Equal(["first", "reply"], rule.Filters["kind"]);
        Assert.Equal(["shop", "channel"], rule.GroupBy);
        Assert.Equal(new MinSamples("count", 20), rule.MinSamples);
        Assert.Equal(TimeSpan.FromMinutes(10), rule.NoDataAfter);
        Assert.Equal(ValueUnit.Seconds, rule.Unit);
        Assert.Equal(
            [
                (Severity.Warning, 60.0, 45.0, TimeSpan.FromMinutes(1)),
                (Severity.Major, 120.0, 90.0, TimeSpan.FromSeconds(30)),
                (Severity.Critical, 300.0, 300.0, TimeSpan.FromMinutes(1)),
            ],
            rule.Levels.Select(Shape));
        Assert.Equal("cs-leads", rule.Levels[1].Labels["team"]);
        Assert.Empty(rule.Levels[0].Labels);
        Assert.Equal("First-response p90 {{value}} in shop {{shop}} (over {{threshold}})", rule.Text.Summary);
        Assert.Equal("{{channel}}: {{severity}} for team {{team}}", rule.Text.Description);
        Assert.Equal("docs/runbook.md#chatfirstresponseslow", rule.Text.RunbookUrl);
        Assert.Equal("chat", Assert.Single(rule.Labels).Value);
        Assert.Equal("service-monitor-war-room/5", rule.Panel);

        var timer = Assert.Single(rules.Timers);
        Assert.Equal(
            ("ChatWaiting30m", TimerQueue.Chat, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), Severity.Warning),
            (timer.Name, timer.Queue, timer.RemindAfter, timer.RepeatEvery, timer.Severity));
        Assert.Equal(TimeSpan.FromMinutes(60), timer.EscalateAfter);
        Assert.Equal(Severity.Critical, timer.EscalateSeverity);
        Assert.Equal("cs-leads", timer.EscalateLabels["team"]);
        Assert.Equal(5, timer.ShowItems);
        Assert.Equal("Oldest: {{items}}", timer.Text.Description);
        Assert.Null(timer.Text.RunbookUrl);
        Assert.Equal("chat", timer.Labels["team"]);
        Assert.Equal(2, rules.Count);
    }

    [Fact]
    public void DocsExample_Parses()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "alerts.md"));
        var start = docs.IndexOf("```yaml\n", docs.IndexOf("### Example", StringComparison.Ordinal), StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];

        var (rules, errors) = AlertRulesLoader.Parse(yaml, "docs/alerts.md");

        Assert.Empty(errors);
        Assert.Equal("ChatFirstResponseSlow", Assert.Single(rules!.Thresholds).Name);
        Assert.Equal([Severity.Warning, Severity.Major, Severity.Critical], rules.Thresholds[0].Levels.Select(l => l.Severity));
        Assert.Equal(TimeSpan.FromMinutes(60), Assert.Single(rules.Timers).EscalateAfter);
    }

    [Fact]
    public void LeftOutKeys_TakeTheDocumentedDefaults()
    {
        var (rules, errors) = AlertRulesLoader.Parse("""
            rules:
              - name: Slow
                metric: call_answer.service_level_ratio
                levels: {info: 0.5, critical: 0.9}
            timers:
              - name: Refunds
                queue: refund
                remindAfter: 30m
                escalateAfter: 1h
            """, "F");

        Assert.Empty(errors);
        var rule = Assert.Single(rules!.Thresholds);
        Assert.Equal("service-monitor", rules.Service);
        Assert.Equal(Direction.Above, rule.Direction);
        Assert.Equal(["shop"], rule.GroupBy);
        Assert.Empty(rule.Filters);
        Assert.Null(rule.MinSamples);
        Assert.Equal(TimeSpan.FromMinutes(5), rule.NoDataAfter);
        Assert.Equal(ValueUnit.Number, rule.Unit);
        Assert.Equal(AlertText.Empty, rule.Text);
        Assert.Null(rule.Panel);
        Assert.Equal([(Severity.Info, 0.5, 0.5, TimeSpan.Zero), (Severity.Critical, 0.9, 0.9, TimeSpan.Zero)], rule.Levels.Select(Shape));

        var timer = Assert.Single(rules.Timers);
        Assert.Equal((TimeSpan.FromMinutes(15), Severity.Warning, Severity.Critical, 5), (timer.RepeatEvery, timer.Severity, timer.EscalateSeverity, timer.ShowItems));
    }

    [Fact]
    public void Levels_AreOrderedBySeverity_WhateverTheirOrderInTheFile()
    {
        var (rules, errors) = AlertRulesLoader.Parse(Rule("direction: below", "critical: 10, notice: 30, warning: 20"), "F");

        Assert.Empty(errors);
        Assert.Equal([Severity.Notice, Severity.Warning, Severity.Critical], rules!.Thresholds[0].Levels.Select(l => l.Severity));
    }

    [Fact]
    public void UnknownKeys_AreReportedAtTheKey_WithADidYouMean()
    {
        var errors = Errors("""
            rules:
              - name: Slow
                metrc: response_time.p90
                levels:
                  warning: {treshold: 1}
                  warnig: 2
                bogus: 1
            timer: []
            """);

        Assert.Equal(
            [
                "F:2:5: rule Slow: missing 'metric' (measurement.field, e.g. response_time.p90)",
                "F:3:5: rule Slow: unknown key 'metrc'; did you mean 'metric'?",
                "F:5:16: rule Slow: levels.warning: missing 'threshold'",
                "F:5:17: rule Slow: levels.warning: unknown key 'treshold'; did you mean 'threshold'?",
                "F:6:7: rule Slow: levels: unknown severity 'warnig'; did you mean 'warning'?",
                "F:7:5: rule Slow: unknown key 'bogus' (known: name, metric, where, groupBy, direction, for, minSamples, noDataAfter, unit, levels, summary, description, runbook, labels, panel)",
                "F:8:1: top level: unknown key 'timer'; did you mean 'timers'?",
            ],
            errors);
    }

    [Fact]
    public void MissingNameMetricAndLevels_AreReportedAtTheEntry()
    {
        var errors = Errors("""
            rules:
              - metric: backlog.waiting
                levels: {warning: 1}
              - name: NoMetric
                levels: {warning: 1}
              - name: NoLevels
                metric: backlog.waiting
            """);

        Assert.Equal(
            [
                "F:2:5: rules[0]: missing 'name' (CamelCase, e.g. ChatFirstResponseSlow)",
                "F:4:5: rule NoMetric: missing 'metric' (measurement.field, e.g. response_time.p90)",
                "F:6:5: rule NoLevels: missing 'levels' (any of info, notice, warning, major, critical, each with a threshold)",
            ],
            errors);
    }

    [Fact]
    public void Names_AreCamelCase_AndUniqueAcrossRulesAndTimers()
    {
        var errors = Errors("""
            rules:
              - name: chat_slow
                metric: backlog.waiting
                levels: {warning: 1}
              - name: ChatWaiting
                metric: backlog.waiting
                levels: {warning: 1}
            timers:
              - name: ChatWaiting
                queue: chat
                remindAfter: 30m
            """);

        Assert.Equal(
            [
                "F:2:11: rule chat_slow: name 'chat_slow' must be CamelCase: letters and digits, starting with a capital (e.g. ChatFirstResponseSlow)",
                "F:9:11: timer ChatWaiting: name 'ChatWaiting' is already used at line 5; names are unique across rules and timers",
            ],
            errors);
    }

    [Fact]
    public void UnknownMeasurementFieldOrTag_ListsTheValidOnes()
    {
        var errors = Errors("""
            rules:
              - name: A
                metric: respons_time.p90
                levels: {warning: 1}
              - name: B
                metric: shipping.ontime_ratio
                levels: {warning: 1}
              - name: C
                metric: backlog.waiting
                where: {queue: chats, region: north}
                levels: {warning: 1}
              - name: D
                metric: alerts.firing
                levels: {warning: 1}
              - name: E
                metric: p90
                levels: {warning: 1}
            """);

        Assert.Equal(
            [
                "F:3:13: rule A: metric: unknown measurement 'respons_time'; did you mean 'response_time'?",
                "F:6:13: rule B: metric: unknown field of shipping 'ontime_ratio'; did you mean 'on_time_ratio'?",
                "F:10:20: rule C: where.queue: unknown value of backlog.queue 'chats'; did you mean 'chat'?",
                "F:10:27: rule C: where: unknown tag of backlog 'region' (known: shop, queue)",
                "F:13:13: rule D: metric: unknown measurement 'alerts' (known: response_time, call_answer, call_handle, backlog, shipping, orders, complaint_keywords, complaint_rate, bot, crisis)",
                "F:16:13: rule E: metric must be measurement.field, e.g. response_time.p90, not 'p90'",
            ],
            errors);
    }

    [Fact]
    public void GroupBy_RefusesIdsAndTagsTheMeasurementLacks()
    {
        var errors = Errors(Rule("groupBy: [shop, conversationId, region, shop]"));

        Assert.Equal(
            [
                "F:4:21: rule Slow: groupBy: 'conversationId' is an id, and no tag ever holds an id (one alert per conversation or order would flood the receivers); use the per-item timers for items",
                "F:4:37: rule Slow: groupBy: unknown tag of response_time 'region' (known: shop, channel, kind, responder)",
                "F:4:45: rule Slow: groupBy: 'shop' is listed twice",
            ],
            errors);
    }

    [Fact]
    public void Thresholds_MustGrowWithSeverity_InTheRulesDirection()
    {
        var above = Errors(Rule("direction: above", "warning: 120, major: {threshold: 90}, critical: 90"));
        var below = Errors(Rule("direction: below", "warning: 0.8, major: 0.9"));

        Assert.Equal(
            [
                "F:5:47: rule Slow: levels.major.threshold 90 must be above warning's 120 for direction above",
                "F:5:62: rule Slow: levels.critical.threshold 90 must be above major's 90 for direction above",
            ],
            above);
        Assert.Equal(["F:5:35: rule Slow: levels.major.threshold 0.9 must be below warning's 0.8 for direction below"], below);
    }

    [Fact]
    public void Clear_MustLieOnTheGoodSideOfItsThreshold()
    {
        var above = Errors(Rule("", "warning: {threshold: 60, clear: 70}"));
        var below = Errors(Rule("direction: below", "warning: {threshold: 0.9, clear: 0.8}"));

        Assert.Equal(["F:5:46: rule Slow: levels.warning.clear 70 must be at or below its threshold 60 for direction above"], above);
        Assert.Equal(["F:5:47: rule Slow: levels.warning.clear 0.8 must be at or above its threshold 0.9 for direction below"], below);
    }

    [Fact]
    public void Thresholds_MustBeFiniteNumbers_AndRatiosWithinZeroToOne()
    {
        var errors = Errors("""
            rules:
              - name: A
                metric: backlog.waiting
                levels:
                  warning: NaN
                  major: {threshold: lots}
                  critical: .inf
              - name: B
                metric: call_answer.abandon_ratio
                levels: {warning: 5}
            """);

        Assert.Equal(
            [
                "F:5:16: rule A: levels.warning.threshold must be a finite number, not 'NaN'",
                "F:6:26: rule A: levels.major.threshold must be a finite number, not 'lots'",
                "F:7:17: rule A: levels.critical.threshold must be a finite number, not '.inf'",
                "F:10:23: rule B: levels.warning.threshold 5 is outside 0..1: the field is a ratio (95% is 0.95)",
            ],
            errors);
    }

    [Fact]
    public void Durations_MustBeDurations_NotNegative()
    {
        var errors = Errors("""
            rules:
              - name: A
                metric: backlog.waiting
                for: -1m
                noDataAfter: 0s
                levels: {warning: {threshold: 1, for: soon}}
            timers:
              - name: T
                queue: chat
                remindAfter: -30m
                repeatEvery: NaNs
            """);

        Assert.Equal(
            [
                "F:4:10: rule A: for must not be negative, not '-1m'",
                "F:5:18: rule A: noDataAfter must be longer than zero",
                "F:6:43: rule A: levels.warning.for must be a duration like 30s, 5m or 1h, not 'soon'",
                "F:10:18: timer T: remindAfter must not be negative, not '-30m'",
                "F:11:18: timer T: repeatEvery must be a duration like 30s, 5m or 1h, not 'NaNs'",
            ],
            errors);
    }

    [Fact]
    public void MinSamples_NeedsAnIntegerFieldOfTheMeasurement()
    {
        var errors = Errors(Rule("minSamples: {field: p50, count: 20}") + "\n" + """
              - name: B
                metric: shipping.on_time_ratio
                minSamples: {count: 0}
                levels: {warning: 0.9}
            """);

        Assert.Equal(
            [
                "F:4:25: rule Slow: minSamples.field: 'p50' is not an integer field of response_time (integer fields: count)",
                "F:8:17: rule B: minSamples: missing 'field' (an integer field such as count)",
                "F:8:25: rule B: minSamples.count must be a whole number from 1 to 1000000000, not '0'",
            ],
            errors);
    }

    [Fact]
    public void Templates_MayUseOnlyKnownPlaceholders()
    {
        var errors = Errors(Rule("""
            groupBy: [shop, channel]
            labels: {team: chat}
            summary: "{{value}} {{threshold}} {{shop}} {{channel}} {{team}} {{alertname}} {{service}} {{severity}}"
            description: "{{shopp}} in {{region}} {{value"
            """));

        Assert.Equal(
            [
                "F:7:18: rule Slow: description: unknown placeholder {{shopp}}; did you mean {{shop}}?",
                "F:7:18: rule Slow: description: unknown placeholder {{region}} (available: {{value}}, {{threshold}}, {{severity}}, {{rule}}, {{count}}, {{items}}, {{alertname}}, {{service}}, {{shop}}, {{channel}}, {{team}})",
                "F:7:18: rule Slow: description: '{{' at 25 is never closed with '}}'",
            ],
            errors);
    }

    [Fact]
    public void Labels_AreNotReserved_AndHaveValidNames()
    {
        var errors = Errors(Rule("""
            labels: {alertname: x, severity: y, team-name: z, 9lives: a, shop: b, __meta: c, ok_label: fine}
            """));

        Assert.Equal(
            [
                "F:4:14: rule Slow: labels: label 'alertname' is reserved; the monitor sets it",
                "F:4:28: rule Slow: labels: label 'severity' is reserved; the monitor sets it",
                "F:4:41: rule Slow: labels: label name 'team-name' must match [a-zA-Z_][a-zA-Z0-9_]*",
                "F:4:55: rule Slow: labels: label name '9lives' must match [a-zA-Z_][a-zA-Z0-9_]*",
                "F:4:66: rule Slow: labels: label 'shop' is a group tag; its value comes from the data",
                "F:4:75: rule Slow: labels: label '__meta' is reserved; the monitor sets it",
            ],
            errors);
    }

    [Fact]
    public void Timers_CheckQueueEscalationAndShowItems()
    {
        var errors = Errors("""
            timers:
              - name: A
                queue: chats
                remindAfter: 30m
                escalateAfter: 20m
                severity: critical
                showItems: 21
              - name: B
                queue: refund
                remindAfter: 30m
                severity: warning
                escalate: {severity: info}
              - name: C
                remindAfter: 1h
                panel: war-room
            """);

        Assert.Equal(
            [
                "F:2:5: timer A: escalate.severity critical must be above the timer's severity critical",
                "F:3:12: timer A: queue: unknown value 'chats'; did you mean 'chat'?",
                "F:5:20: timer A: escalateAfter 20m must be longer than remindAfter 30m",
                "F:7:16: timer A: showItems must be a whole number from 1 to 20, not '21'",
                "F:12:15: timer B: escalate needs escalateAfter (how long an item is open before it escalates)",
                "F:13:5: timer C: missing 'queue' (chat, email, social, call, refund, shipment)",
                "F:15:12: timer C: panel must be dashboardUid/panelId, e.g. service-monitor-war-room/5, not 'war-room'",
            ],
            errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n")]
    public void EmptyFile_IsAnError(string yaml)
    {
        Assert.Equal(["F: the file is empty; it needs a 'rules' or a 'timers' list"], Errors(yaml));
    }

    [Fact]
    public void NoRulesOrTimers_AndInvalidYaml_AreReported()
    {
        Assert.Equal(["F:1:1: the file defines nothing: it needs a 'rules' or a 'timers' list"], Errors("service: x\n"));
        Assert.Equal(["F:1:8: rules must be a list of rules"], Errors("rules: {a: 1}\n"));
        Assert.Contains("not valid YAML", Assert.Single(Errors("rules: [\n  - name: x")), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_IsReported()
    {
        var (rules, errors) = AlertRulesLoader.Load("/nonexistent/rules.yaml");

        Assert.Null(rules);
        Assert.Equal("/nonexistent/rules.yaml: file not found", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ShippedRules_LoadWithoutErrors_AndCoverTheWarRoom()
    {
        var (rules, errors) = AlertRulesLoader.Load(ShippedRules);

        Assert.Empty(errors);
        Assert.NotNull(rules);
        Assert.Equal(
            [
                "ChatFirstResponseSlow", "ChatOldestWaitHigh", "CallAbandonRateHigh", "CallServiceLevelLow", "ShipOnTimeLow",
                "ShipmentsOverdue", "ShipmentsStalled", "RefundBacklogHigh", "CrisisLevelRaised", "ComplaintCriticalCategory",
                "ComplaintCategorySurge", "ComplaintRateHigh",
            ],
            rules.Thresholds.Select(r => r.Name));
        Assert.Equal(["ChatWaiting30m", "SocialWaiting30m", "EmailWaiting12h", "RefundWaiting30m"], rules.Timers.Select(t => t.Name));

        var crisis = rules.Thresholds.Single(r => r.Name == "CrisisLevelRaised");
        Assert.Equal(("crisis", "level"), (crisis.Measurement, crisis.Field));
        Assert.Equal([(Severity.Info, 1.0), (Severity.Warning, 2.0), (Severity.Major, 3.0), (Severity.Critical, 4.0)], crisis.Levels.Select(l => (l.Severity, l.Threshold)));
        var chat = rules.Timers.Single(t => t.Name == "ChatWaiting30m");
        Assert.Equal((TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(60)), (chat.RemindAfter, chat.RepeatEvery, chat.EscalateAfter!.Value));
        Assert.Equal(TimerQueue.Refund, rules.Timers.Single(t => t.Name == "RefundWaiting30m").Queue);
        Assert.Equal(2000, rules.Thresholds.Single(r => r.Name == "RefundBacklogHigh").Levels[0].Threshold);

        var runbook = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "runbook.md"));
        var panels = File.ReadAllText(Path.Combine(RepoRoot(), "dashboards", "war-room.json"));
        foreach (var (name, text, panel) in rules.Thresholds.Select(r => (r.Name, r.Text, r.Panel)).Concat(rules.Timers.Select(t => (t.Name, t.Text, t.Panel))))
        {
            Assert.Equal($"docs/runbook.md#{name.ToLowerInvariant()}", text.RunbookUrl);
            Assert.Contains($"\n## {name}\n", runbook, StringComparison.Ordinal);
            Assert.NotEmpty(text.Summary);
            Assert.NotEmpty(text.Description);
            Assert.StartsWith("service-monitor-war-room/", panel, StringComparison.Ordinal);
            Assert.Contains($"\"id\": {panel!.Split('/')[1]},", panels, StringComparison.Ordinal);
        }
    }

    private static (Severity, double, double, TimeSpan) Shape(AlertLevel level) => (level.Severity, level.Threshold, level.Clear, level.For);

    private static string ShippedRules => Path.Combine(RepoRoot(), "deploy", "monitor", "rules.yaml");

    private static string RepoRoot() => Support.RepoFiles.Root;
}
