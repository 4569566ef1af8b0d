using Monitor.Cli;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>
/// `demo --config`: the file's alerting section (webhooks, runbook base URL) reaches the demo's alerts, and
/// every notification carries a runbook_url that opens outside the repository.
/// </summary>
public sealed class DemoDeliveryTests
{
    [Fact]
    public async Task Demo_WithConfig_SendsAlertsToTheFilesWebhook_WithRunbookLinksUnderTheBaseUrl()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var receiver = new WebhookReceiver();
        var directory = Directory.CreateTempSubdirectory("monitor-demo-delivery-").FullName;
        try
        {
            var config = Path.Combine(directory, "monitor.yaml");
            await File.WriteAllTextAsync(config, $"""
                alerting:
                  webhooks: [{receiver.Url}]
                  runbookBaseUrl: https://wiki.example.test/service-monitor/
                """, timeout.Token);

            // 10 s at 200× is about half an hour of the Double-11 evening: the surge fires alerts.
            var exit = await MonitorCommands.Build()
                .Parse([
                    "demo", "--duration", "10s", "--speed", "200", "--shops", "10", "--config", config,
                    "--metrics-url", $"http://127.0.0.1:{FreeTcpPort.Next()}",
                ])
                .InvokeAsync(cancellationToken: timeout.Token);

            Assert.Equal(0, exit);
            var fired = receiver.Bodies.SelectMany(b => b.EnumerateArray()).Where(c => c.GetProperty("kind").GetString() == "fired").ToArray();
            Assert.NotEmpty(fired);
            Assert.All(fired, change =>
            {
                var alertname = change.GetProperty("labels").GetProperty("alertname").GetString()!;
                Assert.Equal(
                    $"https://wiki.example.test/service-monitor/docs/runbook.md#{alertname.ToLowerInvariant()}",
                    change.GetProperty("annotations").GetProperty("runbook_url").GetString());
            });
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }
}
