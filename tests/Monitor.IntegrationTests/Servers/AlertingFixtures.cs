using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;

namespace Monitor.IntegrationTests.Servers;

/// <summary>What the live alerting tests share: Alertmanager routing to a test webhook, the backlog rule, chat messages.</summary>
internal static class AlertingFixtures
{
    /// <summary>An Alertmanager that notifies <paramref name="receiver"/> at once (group_wait 0 s) and sends resolves.</summary>
    public static Task<AlertmanagerServer> StartAlertmanagerAsync(WebhookReceiver receiver, CancellationToken cancellationToken) =>
        AlertmanagerServer.StartAsync($"""
            route:
              receiver: test
              group_by: [alertname, shop]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: test
                webhook_configs:
                  - url: {receiver.Url}
                    send_resolved: true
            """, cancellationToken);

    /// <summary>ChatBacklogHigh: warning from 3 chats waiting in a shop, at once.</summary>
    public static ThresholdRule ChatBacklogRule() =>
        new("ChatBacklogHigh", Measurements.Backlog, "waiting", Direction.Above, [new AlertLevel(Severity.Warning, 3, 3, TimeSpan.Zero)])
        {
            Filters = new Dictionary<string, IReadOnlyList<string>> { ["queue"] = ["chat"] },
            Labels = new Dictionary<string, string> { ["team"] = "chat" },
            Text = new AlertText("{{value}} chats waiting in {{shop}}", "", null),
        };

    /// <summary>The notification's status: firing or resolved.</summary>
    public static string? Status(JsonElement body) => body.GetProperty("status").GetString();

    /// <summary>A chat message stamped now, keyed by its shop.</summary>
    public static Task ProduceChatAsync(IProducer<string, byte[]> producer, string shop, string conversation, string sender, CancellationToken cancellationToken)
    {
        var json = $$"""{"eventId":"{{conversation}}-{{sender}}","type":"message","shopId":"{{shop}}","ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"conversationId":"{{conversation}}","channel":"chat","sender":"{{sender}}"}""";
        return producer.ProduceAsync("chats", new Message<string, byte[]> { Key = shop, Value = Encoding.UTF8.GetBytes(json) }, cancellationToken);
    }
}
