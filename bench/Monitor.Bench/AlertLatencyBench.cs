using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Kafka;
using Monitor.Servers;
using Monitor.Simulation;

namespace Monitor.Bench;

/// <summary>
/// <c>monitor-bench --alert-latency N</c>: the time from producing the event that crosses a threshold
/// to Alertmanager accepting the alert (HTTP 200 to the monitor's POST) and to Alertmanager's webhook
/// reaching a receiver, over N alerts. Shop after shop, a pause apart, three customer messages in new
/// conversations go through the embedded broker into the live host, whose one rule (chat backlog
/// ≥ 3, <c>for</c> 0) fires per shop into a real Alertmanager routing to a webhook this process
/// serves. All times come from one <see cref="Stopwatch"/>; percentiles are nearest-rank.
/// </summary>
internal static class AlertLatencyBench
{
    private const string RuleName = "BenchChatBacklog";
    private const int Threshold = 3; // chats waiting per shop; the third customer message crosses it
    private const string Topic = "chats";

    // Alertmanager 0.25 accepts 0 (amtool check-config and the server alike): a new group is
    // notified at once. With its default of 30 s that wait alone would dominate the webhook latency.
    private const string GroupWait = "0s";

    private static readonly TimeSpan ShopPause = TimeSpan.FromMilliseconds(25); // a stream, not one burst
    private static readonly TimeSpan ConsumingDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);
    private static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText Customer = JsonEncodedText.Encode("customer");
    private static readonly byte[] ConversationPrefix = "bench-conversation-"u8.ToArray();

    /// <summary>Runs the measurement; 0 when every alert arrived on both sides, 1 when some did not, 2 without Alertmanager.</summary>
    /// <param name="deadline">How long to wait for the alerts after the last event was produced.</param>
    public static async Task<int> RunAsync(int alerts, TimeSpan deadline, CancellationToken cancellationToken)
    {
        try
        {
            AlertmanagerServer.FindBinary();
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var notified = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        await using var receiver = new WebhookReceiver(body => Record(notified, WebhookShops(body), clock));
        await using var alertmanager = await AlertmanagerServer.StartAsync(AlertmanagerConfig(receiver.Url), cancellationToken);
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, partitions: 4);
        var options = new LiveOptions
        {
            Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = $"monitor-bench-{Guid.NewGuid():N}" },
            MetricsUrl = $"http://127.0.0.1:{FreeTcpPort.Next()}",
            AlertRules = new AlertRuleSet([Rule()], []),
            Alerting = new AlertingOptions { AlertmanagerUrl = alertmanager.Url },
        };
        var app = LiveHost.Build(options, HostClocks.System, logging: logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("Microsoft", LogLevel.Warning)
            .SetMinimumLevel(LogLevel.Warning));
        try
        {
            var sink = app.Services.GetRequiredService<AlertDispatcher>().Sinks.OfType<AlertmanagerSink>().Single();
            sink.Accepted = batch => Record(accepted, batch.Select(labels => BenchShop(Label(labels, "alertname"), Label(labels, "shop"))), clock);
            await app.StartAsync(cancellationToken);
            Console.WriteLine($"bench: alert latency over {alerts:N0} alerts: rule {RuleName} (backlog.waiting{{queue=chat}} >= {Threshold} per shop, for 0s); per shop {Threshold} customer messages in new conversations, one shop every {ShopPause.TotalMilliseconds:N0} ms");
            Console.WriteLine($"bench: embedded Kafka {cluster.BootstrapServers}; Alertmanager {AlertingOptions.Show(alertmanager.Url)} (group_by [alertname, shop], group_wait {GroupWait}); webhook receiver {receiver.Url}");
            await WaitUntilConsumingAsync(new Uri($"{options.MetricsUrl}/readyz"), cancellationToken);

            var (crossed, failed) = await ProduceAsync(cluster.BootstrapServers, alerts, clock, cancellationToken);
            var lastEvent = crossed.Values.Max();
            Console.WriteLine($"bench: produced {alerts * Threshold:N0} events in {(lastEvent - crossed.Values.Min()).TotalSeconds:N1} s{(failed > 0 ? $", {failed} NOT delivered to the broker" : "")}; waiting up to {deadline.TotalSeconds:N0} s for the alerts");
            await WaitForAlertsAsync(alerts, accepted, notified, clock, lastEvent, deadline, cancellationToken);

            Console.WriteLine($"bench: latency from producing the crossing event, seconds (nearest rank), after {(clock.Elapsed - lastEvent).TotalSeconds:N1} s of waiting:");
            Console.WriteLine($"  {"",-33} {"count",6} {"missing",8} {"median",8} {"p90",8} {"p99",8} {"max",8}");
            var toAlertmanager = Report("event -> Alertmanager accepted", crossed, accepted);
            Report($"event -> webhook (group_wait {GroupWait})", crossed, notified);
            Console.WriteLine($"bench: target p99 < 1 s beyond `for` (0 s) to Alertmanager: {(toAlertmanager < 1 && accepted.Count >= alerts ? "met" : "NOT met")}");
            return accepted.Count >= alerts && notified.Count >= alerts && failed == 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 1;
        }
        finally
        {
            // Before the broker goes away (the host's Kafka clients) and before Alertmanager does (the sink's last POST).
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static ThresholdRule Rule() => new(
        RuleName, Measurements.Backlog, "waiting", Direction.Above, [new AlertLevel(Severity.Warning, Threshold, Threshold, TimeSpan.Zero)])
    {
        Filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["queue"] = ["chat"] },
        Unit = ValueUnit.Count,
        Text = new AlertText("{{value}} chats waiting in {{shop}}", "Latency benchmark: at least {{threshold}} chats waiting.", null),
    };

    private static string AlertmanagerConfig(Uri webhook) => $"""
        route:
          receiver: bench
          group_by: [alertname, shop]
          group_wait: {GroupWait}
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: bench
            webhook_configs:
              - url: {webhook}
                send_resolved: false
        """;

    private static string ShopId(int number) => $"bench-shop-{number:D4}";

    /// <summary>The shop of a firing benchmark alert, else null.</summary>
    private static string? BenchShop(string? alertname, string? shop) => alertname == RuleName ? shop : null;

    /// <summary>The shops of the firing benchmark alerts in an Alertmanager webhook body (<c>alerts[].labels</c>).</summary>
    private static IEnumerable<string?> WebhookShops(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("alerts", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var alert in list.EnumerateArray())
        {
            if (alert.TryGetProperty("status", out var status) && status.GetString() == "firing" && alert.TryGetProperty("labels", out var labels))
            {
                yield return BenchShop(Text(labels, "alertname"), Text(labels, "shop"));
            }
        }
    }

    private static string? Label(IReadOnlyList<KeyValuePair<string, string>> labels, string name) =>
        labels.FirstOrDefault(l => l.Key == name).Value;

    private static string? Text(JsonElement labels, string name) =>
        labels.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Keeps the first time each shop was seen.</summary>
    private static void Record(ConcurrentDictionary<string, TimeSpan> seen, IEnumerable<string?> shops, Stopwatch clock)
    {
        var now = clock.Elapsed;
        foreach (var shop in shops)
        {
            if (shop is not null)
            {
                seen.TryAdd(shop, now);
            }
        }
    }

    private static async Task WaitUntilConsumingAsync(Uri readyz, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using (var response = await http.GetAsync(readyz, cancellationToken))
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Console.WriteLine($"bench: pipeline consuming after {waited.Elapsed.TotalSeconds:N1} s");
                    return;
                }

                if (waited.Elapsed > ConsumingDeadline)
                {
                    throw new TimeoutException($"the pipeline was not consuming within {ConsumingDeadline.TotalSeconds} s: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Produces each shop's messages stamped with the wall clock; returns when each shop's crossing event was handed to the producer, and how many events the broker did not take.</summary>
    private static async Task<(Dictionary<string, TimeSpan> Crossed, int Failed)> ProduceAsync(
        string bootstrapServers, int shops, Stopwatch clock, CancellationToken cancellationToken)
    {
        var crossed = new Dictionary<string, TimeSpan>(shops, StringComparer.Ordinal);
        var failed = 0;
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrapServers, LingerMs = 0 }).Build();
        var json = new EventJsonWriter(seed: 0);
        long number = 0;
        for (var s = 1; s <= shops; s++)
        {
            var shop = ShopId(s);
            var shopId = JsonEncodedText.Encode(shop);
            for (var conversation = 1; conversation <= Threshold; conversation++)
            {
                var writer = json.Begin(MessageType, ++number, shopId, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds(), TimestampStyle.EpochMilliseconds);
                json.WriteId(EventJsonWriter.ConversationId, ConversationPrefix, number);
                writer.WriteString(EventJsonWriter.Sender, Customer);
                var message = new Message<string, byte[]> { Key = shop, Value = json.Finish() };
                if (conversation == Threshold)
                {
                    crossed[shop] = clock.Elapsed;
                }

                producer.Produce(Topic, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failed);
                    }
                });
            }

            await Task.Delay(ShopPause, cancellationToken);
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        return (crossed, Volatile.Read(ref failed));
    }

    private static async Task WaitForAlertsAsync(
        int alerts,
        ConcurrentDictionary<string, TimeSpan> accepted,
        ConcurrentDictionary<string, TimeSpan> notified,
        Stopwatch clock,
        TimeSpan lastEvent,
        TimeSpan deadline,
        CancellationToken cancellationToken)
    {
        var progress = ProgressEvery;
        while ((accepted.Count < alerts || notified.Count < alerts) && clock.Elapsed - lastEvent < deadline)
        {
            await Task.Delay(50, cancellationToken);
            if (clock.Elapsed - lastEvent >= progress)
            {
                Console.WriteLine($"bench: {progress.TotalSeconds:N0} s after the last event: {accepted.Count}/{alerts} accepted by Alertmanager, {notified.Count}/{alerts} at the webhook");
                progress += ProgressEvery;
            }
        }
    }

    /// <summary>Prints one row; returns the p99 in seconds (infinity when none arrived).</summary>
    private static double Report(string what, IReadOnlyDictionary<string, TimeSpan> crossed, IReadOnlyDictionary<string, TimeSpan> seen)
    {
        var latencies = crossed
            .Where(c => seen.ContainsKey(c.Key))
            .Select(c => (seen[c.Key] - c.Value).TotalSeconds)
            .Order()
            .ToArray();
        var missing = crossed.Count - latencies.Length;
        if (latencies.Length == 0)
        {
            Console.WriteLine($"  {what,-33} {0,6} {missing,8} {"-",8} {"-",8} {"-",8} {"-",8}");
            return double.PositiveInfinity;
        }

        double P(int percent) => Percentiles.NearestRank(latencies, percent);
        Console.WriteLine($"  {what,-33} {latencies.Length,6} {missing,8} {P(50),8:F3} {P(90),8:F3} {P(99),8:F3} {latencies[^1],8:F3}");
        return P(99);
    }
}
