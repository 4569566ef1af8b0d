using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Metrics;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Influx;
using Monitor.IntegrationTests.Servers;
using Monitor.Keywords;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Replay;
using Monitor.Simulation;
using Prometheus;
using Xunit.Abstractions;

namespace Monitor.IntegrationTests;

/// <summary>
/// Two hours of the simulator's Double-11 traffic (21:00–23:00 China time, across the start of the
/// evening surge) replayed with the default engine options and the shipped keyword dictionary into
/// a real influxd. Every DESIGN §4 measurement (and complaint_rate) must be there with every field
/// of the measurement table, in range and of the right type, with no id or customer text in a tag;
/// the surge must show; and every dashboard panel's query must return data.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class ScenarioReplayTests(InfluxFixture influx, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2025, 11, 10, 21, 0, 0, TimeSpan.FromHours(8));
    private static readonly TimeSpan Duration = TimeSpan.FromHours(2);
    private const string BigShop = "shop-001";

    private static readonly SimulationOptions Simulation = new()
    {
        Start = Start,
        Duration = Duration,
        Shops = 25,
        EventsPerSecond = 50,
    };

    /// <summary>
    /// Ship deadlines are at least 24 h after payment, so in the two-hour evening nothing is due yet and
    /// nothing can stall (48 h): a second, small and slow run over 60 h (5 min steps, earlier days, same
    /// database) gives the shipping family and the shipment backlog something to show.
    /// </summary>
    private static readonly SimulationOptions Horizon = new()
    {
        Start = new DateTimeOffset(2025, 11, 5, 9, 0, 0, TimeSpan.FromHours(8)),
        Duration = TimeSpan.FromHours(60),
        Shops = 3,
        EventsPerSecond = 1,
    };

    private static readonly EngineOptions HorizonEngine = new() { Step = TimeSpan.FromMinutes(5) };

    private static readonly string[] Queues = ["chat", "email", "social", "call", "refund", "shipment"];

    /// <summary>
    /// The measurement table of DESIGN §4 (plus complaint_rate, docs/keywords.md): tags, integer fields, float fields.
    /// alerts comes from the shipped rules (deploy/monitor/rules.yaml) evaluated over the replay; besides rule,
    /// severity and shop it carries the complaint rules' other group tag, category.
    /// </summary>
    private static readonly Dictionary<string, (string[] Tags, string[] Ints, string[] Floats)> Contract = new()
    {
        ["response_time"] = (["channel", "kind", "responder", "shop"], ["count"], ["p50", "p90", "p99", "mean", "max", "within_sla_ratio"]),
        ["call_answer"] = (["shop"], ["offered", "answered", "abandoned"], ["abandon_ratio", "service_level_ratio", "p50", "p90", "p99"]),
        ["call_handle"] = (["shop"], ["count"], ["p50", "p90", "mean"]),
        ["backlog"] = (["queue", "shop"], ["waiting"], ["oldest_wait_seconds"]),
        ["shipping"] = (["shop"], ["due", "on_time", "late", "overdue_unshipped", "stalled"], ["on_time_ratio"]),
        ["orders"] = (["shop"], ["paid", "cancelled", "refund_open"], ["cancel_ratio", "refund_open_amount"]),
        ["complaint_keywords"] = (["category", "channel", "keyword", "shop"], ["hits"], []),
        ["bot"] = (["channel", "shop"], ["closed", "bot_resolved", "transferred"], ["bot_resolved_ratio"]),
        ["crisis"] = (["shop"], ["level"], ["volume_per_min", "capacity_per_min", "cq"]),
        ["complaint_rate"] = (["shop"], ["messages", "matched_messages", "hits"], ["per_1000_messages"]),
        ["alerts"] = (["category", "rule", "severity", "shop"], ["firing"], ["value", "threshold"]),
    };

    private static readonly string[] IdTagKeys = ["conversationId", "orderId", "callId", "agentId", "refundId", "eventId", "customerId"];

    // Whole customer phrases of TextCatalog (longer than any keyword, so a keyword tag never equals one).
    private static readonly string[] CustomerPhrases =
    [
        "三天了还不发货，我要投诉", "再不处理我就打12315", "东西收到是破损的，怎么办", "I want a refund now", "This is a scam",
        "我要ＲＥＦＵＮＤ", "Where is my Refund?", "你好，请问什么时候发货？", "你们的客服一直不回消息，我要投诉", "差评，收到就是破损的",
        "Total scam, do not buy",
    ];

    private static readonly SemaphoreSlim ReplayLock = new(1, 1);
    private static (Uri Server, Scenario Data)? _replayed;

    private sealed record Scenario(string Database, long FromMs, long ToMs, long HorizonFromMs, long HorizonToMs, long Lines, long Points, TimeSpan Elapsed, IReadOnlyList<string> Keywords);

    [Fact]
    public async Task EveryMeasurement_HasEveryField_InRange_AndOfTheContractType()
    {
        var scenario = await ReplayedAsync();
        foreach (var (measurement, (tags, ints, floats)) in Contract)
        {
            var fieldTypes = (await Query(scenario, $"SHOW FIELD KEYS FROM {Id(measurement)}"))
                .SelectMany(s => s.Rows)
                .ToDictionary(r => r["fieldKey"].GetString()!, r => r["fieldType"].GetString()!);
            foreach (var field in ints)
            {
                Assert.True(fieldTypes.TryGetValue(field, out var type) && type == "integer", $"{measurement}.{field} should be an integer field, InfluxDB has {(type ?? "nothing")}");
            }

            foreach (var field in floats)
            {
                Assert.True(fieldTypes.TryGetValue(field, out var type) && type == "float", $"{measurement}.{field} should be a float field, InfluxDB has {(type ?? "nothing")}");
            }

            Assert.All(fieldTypes.Values, type => Assert.True(type is "integer" or "float", $"{measurement} has a {type} field (text must never be exported)"));

            var tagKeys = (await Query(scenario, $"SHOW TAG KEYS FROM {Id(measurement)}")).SelectMany(s => s.Rows).Select(r => r["tagKey"].GetString()!).Order().ToArray();
            Assert.Equal(tags, tagKeys);

            var series = await Query(scenario, $"SELECT * FROM {Id(measurement)} WHERE {WholeFilter(scenario)} GROUP BY *");
            Assert.True(series.Count > 0, $"no {measurement} series");
            var rows = series.SelectMany(s => s.Rows.Select(r => (Tags: s.Tags, Row: r))).ToArray();
            foreach (var field in ints.Concat(floats))
            {
                Assert.True(rows.Any(r => Number(r.Row, field) is not null), $"{measurement}.{field} has no value in {rows.Length} rows");
            }

            foreach (var (seriesTags, row) in rows)
            {
                var where = $"{measurement} {string.Join(",", seriesTags.Select(t => $"{t.Key}={t.Value}"))} at {DateTimeOffset.FromUnixTimeMilliseconds(row["time"].GetInt64()):O}";
                foreach (var field in ints)
                {
                    if (Number(row, field) is { } v)
                    {
                        Assert.True(v >= 0, $"{where}: {field}={v} < 0");
                    }
                }

                foreach (var field in floats)
                {
                    if (Number(row, field) is not { } v)
                    {
                        continue;
                    }

                    Assert.True(double.IsFinite(v) && v >= 0, $"{where}: {field}={v} is not a finite non-negative number");
                    if (field.EndsWith("_ratio", StringComparison.Ordinal))
                    {
                        Assert.True(v <= 1, $"{where}: {field}={v} > 1");
                    }
                }

                AssertOrdered(where, row, "p50", "p90", "p99", "max");
                AssertOrdered(where, row, "mean", "max");
                CheckConsistency(measurement, where, row);
            }

            output.WriteLine($"{measurement}: {series.Count} series, {rows.Length} points");
        }

        // backlog: each of the six queues. No order is due within two hours of the first payment
        // (deadlines are paid + 24 h or later), so in the evening the shipment queue is present but empty.
        var queues = (await Query(scenario, "SHOW TAG VALUES FROM \"backlog\" WITH KEY = \"queue\"")).SelectMany(s => s.Rows).Select(r => r["value"].GetString()!).Order().ToArray();
        Assert.Equal(Queues.Order(), queues);
        foreach (var queue in Queues)
        {
            var waiting = await Stats(scenario, $"SELECT count(\"waiting\"), max(\"waiting\"), max(\"oldest_wait_seconds\") FROM \"backlog\" WHERE \"queue\" = '{queue}' AND {TimeFilter(scenario)}");
            output.WriteLine($"evening backlog {queue}: {waiting[0]} points, max waiting {waiting[1]}, max oldest {waiting[2]} s");
            Assert.True(waiting[0] > 0, $"backlog queue={queue} has no points");
            if (queue == "shipment")
            {
                Assert.Equal([0, 0], waiting[1..]);
                continue;
            }

            Assert.True(waiting[1] > 0, $"backlog queue={queue} never had anything waiting in two hours of Double-11 traffic");
            Assert.True(waiting[2] > 0, $"backlog queue={queue} oldest_wait_seconds never > 0");
        }

        // shipping in the evening: every int field on every point, all zero; on_time_ratio never (due = 0).
        var evening = await Stats(scenario, $"SELECT count(\"due\"), count(\"on_time\"), count(\"late\"), count(\"overdue_unshipped\"), count(\"stalled\"), max(\"due\"), max(\"on_time\"), max(\"late\"), max(\"overdue_unshipped\"), max(\"stalled\") FROM \"shipping\" WHERE {TimeFilter(scenario)}");
        Assert.True(evening[0] > 0);
        Assert.All(evening[1..5], count => Assert.Equal(evening[0], count));
        Assert.All(evening[5..], max => Assert.Equal(0, max));
        Assert.Empty(await Query(scenario, $"SELECT \"on_time_ratio\" FROM \"shipping\" WHERE {TimeFilter(scenario)}"));

        // shipping over the 60 h horizon: orders fall due, some late, some overdue, some stalled.
        var horizon = await Stats(scenario, $"SELECT max(\"due\"), max(\"late\"), max(\"overdue_unshipped\"), max(\"stalled\"), min(\"on_time_ratio\"), max(\"on_time_ratio\") FROM \"shipping\" WHERE {HorizonFilter(scenario)}");
        var shipmentBacklog = await Stats(scenario, $"SELECT max(\"waiting\"), max(\"oldest_wait_seconds\") FROM \"backlog\" WHERE \"queue\" = 'shipment' AND {HorizonFilter(scenario)}");
        output.WriteLine($"horizon shipping: max due {horizon[0]}, late {horizon[1]}, overdue {horizon[2]}, stalled {horizon[3]}, on_time_ratio {horizon[4]}..{horizon[5]}; shipment backlog max {shipmentBacklog[0]}, oldest {shipmentBacklog[1]} s");
        Assert.All(horizon[..4], max => Assert.True(max > 0, $"horizon shipping: {string.Join(", ", horizon)}"));
        Assert.InRange(horizon[4], 0, 1);
        Assert.InRange(horizon[5], horizon[4], 1);
        Assert.True(shipmentBacklog[0] > 0 && shipmentBacklog[1] > 0, $"horizon shipment backlog: {string.Join(", ", shipmentBacklog)}");

        var levelCounts = (await Query(scenario, $"SELECT \"level\", \"cq\" FROM \"crisis\" WHERE {TimeFilter(scenario)}")).SelectMany(s => s.Rows)
            .GroupBy(r => Number(r, "level")).OrderBy(g => g.Key).Select(g => $"level {g.Key}: {g.Count()} (cq {g.Min(r => Number(r, "cq") ?? double.NaN):F2}..{g.Max(r => Number(r, "cq") ?? double.NaN):F2})");
        output.WriteLine("evening crisis " + string.Join("; ", levelCounts));

        // Activity: shop-001 has every family.
        foreach (var measurement in Contract.Keys)
        {
            Assert.True((await Query(scenario, $"SELECT count(*) FROM {Id(measurement)} WHERE \"shop\" = '{BigShop}' AND {TimeFilter(scenario)}")).Count > 0, $"{BigShop} has no {measurement}");
        }
    }

    [Fact]
    public async Task NoTag_HoldsAnIdOrCustomerText()
    {
        var scenario = await ReplayedAsync();
        var tagKeys = (await Query(scenario, "SHOW TAG KEYS")).SelectMany(s => s.Rows).Select(r => r["tagKey"].GetString()!).Distinct().ToArray();
        Assert.NotEmpty(tagKeys);
        foreach (var key in tagKeys)
        {
            Assert.DoesNotContain(IdTagKeys, id => string.Equals(id, key, StringComparison.OrdinalIgnoreCase));
            Assert.Contains(key, new[] { "shop", "channel", "kind", "responder", "queue", "category", "keyword", "rule", "severity" });
        }

        var tagValues = (await Query(scenario, "SHOW TAG VALUES WITH KEY =~ /.*/")).SelectMany(s => s.Rows)
            .Select(r => (Key: r["key"].GetString()!, Value: r["value"].GetString()!)).Distinct().ToArray();
        Assert.Contains(("keyword", "12315"), tagValues);
        var everything = string.Join("\n", tagValues.Select(t => $"{t.Key}={t.Value}"));
        foreach (var phrase in CustomerPhrases)
        {
            Assert.DoesNotContain(phrase, everything);
        }

        foreach (var prefix in new[] { "conv-", "call-", "ord-", "rf-", "ev-", "agent-" })
        {
            Assert.DoesNotContain(tagValues, t => t.Value.StartsWith(prefix, StringComparison.Ordinal));
        }

        Assert.All(tagValues.Where(t => t.Key == "keyword"), t => Assert.Contains(t.Value, scenario.Keywords));
        Assert.All(tagValues.Where(t => t.Key == "shop"), t => Assert.Matches("^shop-0[0-2][0-9]$", t.Value));
    }

    [Fact]
    public async Task Surge_RaisesVolumeAndBacklog_OfTheBiggestShop()
    {
        var scenario = await ReplayedAsync();
        var before = Start.AddMinutes(10); // 21:10 China time
        var surge = Start.AddMinutes(90); // 22:30 China time, the surge at full strength
        var volumeBefore = await Value(scenario, "crisis", "volume_per_min", "", before);
        var volumeSurge = await Value(scenario, "crisis", "volume_per_min", "", surge);
        var capacitySurge = await Value(scenario, "crisis", "capacity_per_min", "", surge);
        var cqBefore = await Value(scenario, "crisis", "cq", "", before);
        var cqSurge = await Value(scenario, "crisis", "cq", "", surge);
        var chatBefore = await Value(scenario, "backlog", "waiting", "AND \"queue\" = 'chat'", before);
        var chatSurge = await Value(scenario, "backlog", "waiting", "AND \"queue\" = 'chat'", surge);
        var paidBefore = await Value(scenario, "orders", "paid", "", before);
        var paidSurge = await Value(scenario, "orders", "paid", "", surge);
        output.WriteLine($"{BigShop} 21:10 → 22:30: volume/min {volumeBefore} → {volumeSurge} (capacity {capacitySurge}), cq {cqBefore} → {cqSurge}, chats waiting {chatBefore} → {chatSurge}, paid/h {paidBefore} → {paidSurge}");

        Assert.True(volumeSurge > 2 * volumeBefore, $"crisis volume_per_min of {BigShop}: {volumeBefore} at 21:10, {volumeSurge} at 22:30 (surge factor 4)");
        Assert.True(cqSurge > cqBefore, $"cq of {BigShop}: {cqBefore} at 21:10, {cqSurge} at 22:30");
        Assert.True(chatSurge > chatBefore, $"chat backlog of {BigShop}: {chatBefore} at 21:10, {chatSurge} at 22:30");
        Assert.True(paidSurge > paidBefore, $"orders paid in the hour of {BigShop}: {paidBefore} at 21:10, {paidSurge} at 22:30");

        // Crisis levels follow the thresholds 0.8 / 1.0 / 1.2 / 1.5 and the surge reaches at least level 1.
        var maxLevel = (await Stats(scenario, $"SELECT max(\"level\") FROM \"crisis\" WHERE \"shop\" = '{BigShop}' AND {TimeFilter(scenario)}"))[0];
        Assert.InRange(maxLevel, 1, 4);
    }

    [Fact]
    public async Task EveryDashboardPanel_ReturnsData_FromTheScenario()
    {
        var scenario = await ReplayedAsync();
        // The Prometheus dashboards (monitor health) are proven against a real Prometheus in MonitorHealthDashboardTests.
        var files = DashboardStructureTests.DashboardFiles().Where(f => DashboardStructureTests.DatasourceType(f) == "influxdb").ToArray();
        Assert.NotEmpty(files);
        var targets = 0;
        var annotations = 0;
        foreach (var file in files)
        {
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            Assert.False(dashboard.RootElement.TryGetProperty("id", out _), $"{file}: a provisioned dashboard has a stable uid, no numeric id");
            Assert.False(string.IsNullOrEmpty(dashboard.RootElement.GetProperty("uid").GetString()));
            var variables = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToArray();
            Assert.Contains("datasource", variables);
            Assert.Contains("shop", variables);
            foreach (var annotation in InfluxAnnotations(dashboard.RootElement))
            {
                var name = annotation.GetProperty("name").GetString()!;
                Assert.Equal("${datasource}", annotation.GetProperty("datasource").GetProperty("uid").GetString());
                var answer = await Query(scenario, Substituted(scenario, annotation.GetProperty("query").GetString()!));
                Assert.True(answer.Count > 0, $"{Path.GetFileName(file)} annotation '{name}' returned no series");
                var columns = answer.SelectMany(s => s.Columns).ToHashSet();
                foreach (var key in new[] { "titleColumn", "textColumn" }.Select(k => annotation.GetProperty(k).GetString()!)
                    .Concat(annotation.GetProperty("tagsColumn").GetString()!.Split(',')))
                {
                    Assert.True(columns.Contains(key), $"{Path.GetFileName(file)} annotation '{name}' has no column {key}");
                }

                annotations++;
            }

            foreach (var panel in Panels(dashboard.RootElement))
            {
                var title = panel.GetProperty("title").GetString()!;
                Assert.False(string.IsNullOrWhiteSpace(title));
                Assert.True(panel.TryGetProperty("description", out var description) && description.GetString()!.Length > 20, $"panel '{title}' needs a description");
                var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
                Assert.True(defaults.TryGetProperty("unit", out _), $"panel '{title}' needs a unit");
                Assert.True(defaults.TryGetProperty("thresholds", out var thresholds) && thresholds.GetProperty("steps").GetArrayLength() > 1, $"panel '{title}' needs thresholds");
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    var query = Substituted(scenario, target.GetProperty("query").GetString()!);
                    var answer = await Query(scenario, query);
                    Assert.True(answer.Count > 0, $"{Path.GetFileName(file)} panel '{title}' returned no series: {query}");
                    Assert.True(
                        answer.Any(s => s.Values.Any(row => row.Skip(1).Any(v => v.ValueKind is not JsonValueKind.Null))),
                        $"{Path.GetFileName(file)} panel '{title}' returned only nulls: {query}");
                    targets++;
                }
            }
        }

        output.WriteLine($"{targets} panel queries and {annotations} annotation queries answered");
    }

    /// <summary>The query with Grafana's variables as the test sets them: the whole replay, 1-minute buckets, every shop.</summary>
    private static string Substituted(Scenario scenario, string query)
    {
        var substituted = query
            .Replace("$timeFilter", WholeFilter(scenario))
            .Replace("$__interval", "1m")
            .Replace("$shop", ".*");
        Assert.DoesNotContain("$", substituted.Replace("/^.*$/", ""));
        return substituted;
    }

    /// <summary>The dashboard's annotation queries on InfluxDB (Grafana's built-in annotations have no query).</summary>
    private static IEnumerable<JsonElement> InfluxAnnotations(JsonElement dashboard)
    {
        Assert.True(dashboard.TryGetProperty("annotations", out var annotations), "a dashboard needs the alert annotations");
        var influx = annotations.GetProperty("list").EnumerateArray()
            .Where(a => a.TryGetProperty("datasource", out var ds) && ds.GetProperty("type").GetString() == "influxdb")
            .ToArray();
        Assert.Contains(influx, a => a.GetProperty("query").GetString()!.Contains("FROM \"alerts\"", StringComparison.Ordinal));
        return influx;
    }

    private static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            if (panel.TryGetProperty("targets", out _))
            {
                yield return panel;
            }

            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    private static void CheckConsistency(string measurement, string where, IReadOnlyDictionary<string, JsonElement> row)
    {
        switch (measurement)
        {
            case "call_answer":
                Assert.True(Number(row, "offered") == Number(row, "answered") + Number(row, "abandoned"), $"{where}: offered != answered + abandoned");
                if (Number(row, "offered") is > 0 and var offered)
                {
                    Assert.Equal(Number(row, "abandoned")!.Value / offered, Number(row, "abandon_ratio")!.Value, 9);
                }

                break;
            case "shipping":
                Assert.True(Number(row, "due") == Number(row, "on_time") + Number(row, "late"), $"{where}: due != on_time + late");
                Assert.True((Number(row, "due") > 0) == (Number(row, "on_time_ratio") is not null), $"{where}: on_time_ratio present iff due > 0");
                break;
            case "orders":
                Assert.True(Number(row, "refund_open") > 0 || Number(row, "refund_open_amount") == 0, $"{where}: refund amount without open refunds");
                Assert.True((Number(row, "paid") > 0) == (Number(row, "cancel_ratio") is not null), $"{where}: cancel_ratio present iff paid > 0");
                break;
            case "bot":
                Assert.True(Number(row, "bot_resolved") <= Number(row, "closed"), $"{where}: bot_resolved > closed");
                break;
            case "complaint_rate":
                Assert.True(Number(row, "matched_messages") <= Number(row, "messages"), $"{where}: matched_messages > messages");
                Assert.True(Number(row, "matched_messages") <= Number(row, "hits"), $"{where}: matched_messages > hits");
                break;
            case "complaint_keywords":
                Assert.True(Number(row, "hits") > 0, $"{where}: a keyword point without hits");
                break;
            case "crisis":
                var level = Number(row, "level")!.Value;
                Assert.InRange(level, 0, 4);
                if (Number(row, "cq") is { } cq)
                {
                    Assert.True(Number(row, "capacity_per_min") > 0, $"{where}: cq without capacity");
                    Assert.Equal(Number(row, "volume_per_min")!.Value / Number(row, "capacity_per_min")!.Value, cq, 9);
                    var expected = new[] { 0.8, 1.0, 1.2, 1.5 }.Count(t => cq >= t);
                    Assert.True(level == expected, $"{where}: level {level} for cq {cq}, thresholds 0.8/1.0/1.2/1.5 give {expected}");
                }

                break;
            case "backlog":
                Assert.True((Number(row, "waiting") > 0) || Number(row, "oldest_wait_seconds") == 0, $"{where}: oldest_wait_seconds > 0 with nothing waiting");
                break;
        }
    }

    private static void AssertOrdered(string where, IReadOnlyDictionary<string, JsonElement> row, params string[] fields)
    {
        double? previous = null;
        string? previousName = null;
        foreach (var field in fields)
        {
            if (Number(row, field) is not { } v)
            {
                continue;
            }

            Assert.True(previous is null || previous <= v, $"{where}: {previousName}={previous} > {field}={v}");
            previous = v;
            previousName = field;
        }
    }

    private static double? Number(IReadOnlyDictionary<string, JsonElement> row, string field) =>
        row.TryGetValue(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private async Task<double> Value(Scenario scenario, string measurement, string field, string condition, DateTimeOffset at)
    {
        var rows = (await Query(scenario, $"SELECT {Id(field)} FROM {Id(measurement)} WHERE \"shop\" = '{BigShop}' {condition} AND time = {at.ToUnixTimeMilliseconds()}ms"))
            .SelectMany(s => s.Rows).ToArray();
        Assert.True(rows.Length == 1, $"{measurement}.{field} of {BigShop} at {at:O}: {rows.Length} rows");
        return Number(rows[0], field) ?? throw new Xunit.Sdk.XunitException($"{measurement}.{field} of {BigShop} at {at:O} is null");
    }

    /// <summary>The first row of an aggregate query, without its time column; nulls are NaN.</summary>
    private async Task<double[]> Stats(Scenario scenario, string influxQl)
    {
        var series = await Query(scenario, influxQl);
        Assert.True(series.Count == 1 && series[0].Values.Count == 1, $"one row expected from {influxQl}");
        return series[0].Values[0].Skip(1).Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN).ToArray();
    }

    private Task<IReadOnlyList<InfluxSeries>> Query(Scenario scenario, string influxQl) => influx.Server.QueryAsync(scenario.Database, influxQl);

    private static string TimeFilter(Scenario scenario) => $"time >= {scenario.FromMs}ms AND time <= {scenario.ToMs}ms";

    private static string HorizonFilter(Scenario scenario) => $"time >= {scenario.HorizonFromMs}ms AND time <= {scenario.HorizonToMs}ms";

    private static string WholeFilter(Scenario scenario) => $"time >= {scenario.HorizonFromMs}ms AND time <= {scenario.ToMs}ms";

    private static string Id(string name) => InfluxServer.QuoteIdentifier(name);

    /// <summary>Generates and replays the scenario once per influxd (the facts share it).</summary>
    private async Task<Scenario> ReplayedAsync()
    {
        await ReplayLock.WaitAsync();
        try
        {
            if (_replayed is { } done && done.Server == influx.Server.Url)
            {
                return done.Data;
            }

            var data = await ReplayAsync();
            _replayed = (influx.Server.Url, data);
            output.WriteLine($"replayed {data.Lines} events into {data.Points} points in {data.Elapsed.TotalSeconds:F1} s");
            return data;
        }
        finally
        {
            ReplayLock.Release();
        }
    }

    private async Task<Scenario> ReplayAsync()
    {
        var clock = Stopwatch.StartNew();
        var database = $"scenario_{Guid.NewGuid():N}";
        await influx.Server.CreateDatabaseAsync(database);
        var (keywords, errors) = KeywordSetup.Load(null);
        Assert.True(keywords is not null, $"shipped keyword dictionary: {string.Join("; ", errors)}");
        var (rules, ruleErrors) = AlertRulesLoader.Load(Path.Combine(DeployArtifactTests.RepoRoot(), "deploy", "monitor", "rules.yaml"));
        Assert.True(rules is not null, $"shipped alert rules: {string.Join("; ", ruleErrors)}");

        var (lines, points) = await ReplayIntoAsync(Simulation, new EngineOptions { Keywords = keywords }, rules, database, minLines: 100_000);
        var (horizonLines, horizonPoints) = await ReplayIntoAsync(Horizon, HorizonEngine with { Keywords = keywords }, rules, database, minLines: 50_000);
        return new Scenario(
            database,
            Start.ToUnixTimeMilliseconds(),
            (Start + Duration).ToUnixTimeMilliseconds(),
            Horizon.Start.ToUnixTimeMilliseconds(),
            (Horizon.Start + Horizon.Duration!.Value).ToUnixTimeMilliseconds(),
            lines + horizonLines,
            points + horizonPoints,
            clock.Elapsed,
            keywords!.Current.Keywords.Select(k => k.Text).ToArray());
    }

    private async Task<(long Lines, long Points)> ReplayIntoAsync(SimulationOptions simulation, EngineOptions engine, AlertRuleSet? rules, string database, long minLines)
    {
        var directory = Directory.CreateTempSubdirectory("scenario-replay-").FullName;
        try
        {
            var file = Path.Combine(directory, "double11.jsonl");
            var lines = JsonlEventFile.Write(file, new Double11Scenario().Generate(simulation));
            Assert.True(lines > minLines, $"expected a real scenario, got {lines} events");

            var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
            using var http = new HttpClient();
            var options = new InfluxOptions { Url = influx.Server.Url, Database = database, BufferFullMode = BufferFullMode.Wait, FlushInterval = TimeSpan.FromMilliseconds(200) };
            ReplaySummary summary;
            await using (var writer = new InfluxWriter(options, http, metrics, TimeProvider.System, NullLogger<InfluxWriter>.Instance))
            {
                var router = new PointRouter(metrics, [writer]);
                using var deadLetters = new FileDeadLetterSink(null, NullLogger.Instance);
                summary = new ReplayRunner(engine, metrics, router, deadLetters) { AlertRules = rules }.Run([file]);
                await writer.FlushAsync();
            }

            Assert.Equal(lines, summary.Lines);
            Assert.Equal(lines, summary.Accepted);
            Assert.Equal(0, summary.Invalid);
            Assert.Equal(0, summary.Late);
            Assert.True(summary.Points > 0);
            Assert.Equal(0, metrics.InfluxPointsFailed.Value);
            Assert.Equal(0, metrics.InfluxPointsDropped.Value);
            Assert.Equal(summary.Points, metrics.InfluxPointsWritten.Value);
            return (lines, summary.Points);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
