using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Monitor.IntegrationTests.Servers;
using Monitor.Kafka;

namespace Monitor.IntegrationTests;

/// <summary>
/// Issue 6, "security": a <c>monitor run</c> process with secrets in the environment and a file,
/// logging at Debug, fed customer texts carrying marker strings (chat, call transcript, review, and
/// a malformed message). Neither a secret nor a marker may appear in its log, /metrics, /api/alerts,
/// InfluxDB or the alert notifications; its HTTP endpoints listen on 127.0.0.1 only by default.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class SecurityTests(InfluxFixture influx)
{
    private const string Marker = "ZQXMARK";
    private const string Shop = "security-shop";
    private static readonly string[] Secrets = ["influx-Pa55-7f3a", "kafka-Pa55-7f3a", "am-T0ken-7f3a"];

    [Fact]
    public async Task SecretsAndCustomerTexts_NeverReachLogsMetricsInfluxOrNotifications_AndEndpointsBindLoopback()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        await using var receiver = new WebhookReceiver();
        await using var alertmanager = await AlertingFixtures.StartAlertmanagerAsync(receiver, timeout);
        using var cluster = EmbeddedKafkaCluster.Start(partitions: 2);
        await influx.Server.CreateDatabaseAsync("security", timeout);
        var directory = Directory.CreateTempSubdirectory("security-").FullName;
        var log = new StringBuilder();
        Process? monitor = null;
        try
        {
            var port = FreeTcpPort.Next();
            var tokenFile = Path.Combine(directory, "alertmanager-token");
            await File.WriteAllTextAsync(tokenFile, Secrets[2] + "\n", timeout);
            var settings = Path.Combine(directory, "monitor.yaml");
            await File.WriteAllTextAsync(settings, $"""
                kafka:
                  bootstrapServers: {cluster.BootstrapServers}
                  groupId: security
                  timeIndex: false
                  properties:
                    debug: conf,cgrp      # librdkafka dumps its configuration (sasl.password included) at Debug
                influx:
                  url: {influx.Server.Url}
                  database: security
                  username: monitor
                  flushInterval: 200ms
                alerting:
                  rules: {Path.Combine(AppContext.BaseDirectory, "config", "rules.yaml")}
                  alertmanager:
                    url: {alertmanager.Url}
                    tokenFile: {tokenFile}
                    resendInterval: 2s
                metrics:
                  listen: http://127.0.0.1:{port}
                """, timeout);
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "monitor.dll"), "run", "--config", settings])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
                Environment =
                {
                    ["MONITOR_INFLUX_PASSWORD"] = Secrets[0],
                    ["MONITOR_KAFKA_SASL_PASSWORD"] = Secrets[1],
                    ["MONITOR_LOG_LEVEL"] = "Debug",
                },
            };
            monitor = new Process { StartInfo = start };
            monitor.OutputDataReceived += (_, e) => Append(log, e.Data);
            monitor.ErrorDataReceived += (_, e) => Append(log, e.Data);
            monitor.Start();
            monitor.BeginOutputReadLine();
            monitor.BeginErrorReadLine();
            var baseUrl = new Uri($"http://127.0.0.1:{port}/");
            await WaitAsync(async () => await StatusAsync(new Uri(baseUrl, "readyz")) == 200, "the monitor ready", monitor, log, timeout);

            await ProduceCustomerTextsAsync(cluster, timeout);

            // A legal threat fires ComplaintCriticalCategory; its notification travels through Alertmanager.
            await receiver.WaitForAsync(
                body => AlertingFixtures.Status(body) == "firing" && body.GetRawText().Contains("ComplaintCriticalCategory", StringComparison.Ordinal),
                TimeSpan.FromSeconds(90),
                "a firing ComplaintCriticalCategory");
            await WaitAsync(
                async () => (await influx.Server.QueryAsync("security", $"SELECT sum(hits) FROM complaint_keywords WHERE shop = '{Shop}'", timeout)).Count > 0,
                "complaint keyword hits in InfluxDB",
                monitor,
                log,
                timeout);

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(new Uri(baseUrl, "metrics"), timeout);
            var alerts = await http.GetStringAsync(new Uri(baseUrl, "api/alerts"), timeout);
            var stored = await InfluxContentsAsync(timeout);
            var notifications = string.Join("\n", receiver.Bodies.Select(b => b.GetRawText()));
            var listening = ListeningAddresses(port);

            await StopAsync(monitor);
            var logText = log.ToString();

            // The checks below must be able to fail: the outputs hold what the markers travelled with.
            Assert.True(logText.Contains("dbug:", StringComparison.Ordinal), $"no Debug lines in the log:\n{logText}");
            Assert.Contains("reason=\"malformed_json\"", metrics);
            Assert.Contains("reason=\"wrong_type\"", metrics);
            Assert.Contains($"shop=\"{Shop}\"", metrics);
            Assert.Contains(Shop, stored);
            Assert.Contains("legal", stored);
            Assert.Contains(Shop, notifications);

            foreach (var (name, text) in new[] { ("log", logText), ("/metrics", metrics), ("/api/alerts", alerts), ("InfluxDB", stored), ("notifications", notifications) })
            {
                Assert.False(text.Contains(Marker, StringComparison.Ordinal), $"customer text reached the {name}:\n{Around(text, Marker)}");
                foreach (var secret in Secrets)
                {
                    Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret reached the {name}:\n{Around(text, secret)}");
                }
            }

            Assert.Equal(["127.0.0.1"], listening);
        }
        finally
        {
            if (monitor is not null)
            {
                await StopAsync(monitor);
                monitor.Dispose();
            }

            ServerProcess.TryDeleteDirectory(directory);
        }
    }

    private static async Task ProduceCustomerTextsAsync(EmbeddedKafkaCluster cluster, CancellationToken timeout)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var messages = new (string Topic, string Json)[]
        {
            ("chats", $$"""{"eventId":"s1","type":"conversation_started","shopId":"{{Shop}}","ts":{{now}},"conversationId":"c1"}"""),
            ("chats", $$"""{"eventId":"s2","type":"message","shopId":"{{Shop}}","ts":{{now + 1}},"conversationId":"c1","sender":"customer","text":"{{Marker}}-chat 我要找律师起诉 lawyer"}"""),
            ("chats", $$"""{"eventId":"s3","type":"message","shopId":"{{Shop}}","ts":{{now + 2}},"conversationId":"c2","sender":"customer","text":"{{Marker}}-chat2 12315 投诉"}"""),
            ("calls", $$"""{"eventId":"s4","type":"call_queued","shopId":"{{Shop}}","ts":{{now}},"callId":"k1"}"""),
            ("calls", $$"""{"eventId":"s5","type":"call_transcript","shopId":"{{Shop}}","ts":{{now + 3}},"callId":"k1","speaker":"customer","text":"{{Marker}}-call fraud 骗子"}"""),
            ("orders", $$"""{"eventId":"s6","type":"review","shopId":"{{Shop}}","ts":{{now + 4}},"orderId":"o1","rating":1,"text":"{{Marker}}-review 差评 曝光"}"""),
            // Malformed (truncated) and a wrong type: rejected, logged by reason, never by content.
            ("chats", $$"""{"eventId":"s7","type":"message","shopId":"{{Shop}}","ts":{{now}},"conversationId":"c3","sender":"customer","text":"{{Marker}}-bad"""),
            ("chats", $$"""{"eventId":"s8","type":"message","shopId":"{{Shop}}","ts":{{now}},"conversationId":"c3","sender":"customer","text":["{{Marker}}-wrongtype"]}"""),
        };
        foreach (var (topic, json) in messages)
        {
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = Shop, Value = Encoding.UTF8.GetBytes(json) }, timeout);
        }
    }

    /// <summary>Every point of the test database as text: measurement, tags, fields.</summary>
    private async Task<string> InfluxContentsAsync(CancellationToken timeout)
    {
        var text = new StringBuilder();
        foreach (var series in await influx.Server.AllSeriesAsync("security", cancellationToken: timeout))
        {
            text.Append(series.Name).Append(' ').AppendJoin(',', series.Tags.Select(t => $"{t.Key}={t.Value}")).Append('\n');
            foreach (var row in series.Values)
            {
                text.AppendJoin(' ', row.Select(v => v.GetRawText())).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The local addresses of sockets listening on <paramref name="port"/> (IPv4 and IPv6), from /proc/net.</summary>
    private static string[] ListeningAddresses(int port)
    {
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        var addresses = new List<string>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = columns[1].Split(':');
                if (local[1] == hexPort && columns[3] == "0A") // 0A: LISTEN
                {
                    addresses.Add(local[0] switch
                    {
                        "0100007F" => "127.0.0.1",
                        "00000000" => "0.0.0.0",
                        var other => other,
                    });
                }
            }
        }

        return [.. addresses.Distinct()];
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.Append(line).Append('\n');
        }
    }

    private static string Around(string text, string needle)
    {
        var at = text.IndexOf(needle, StringComparison.Ordinal);
        return text.Substring(Math.Max(0, at - 300), Math.Min(text.Length - Math.Max(0, at - 300), 600));
    }

    private static async Task<int> StatusAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(url);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return 0;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, Process monitor, StringBuilder log, CancellationToken timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(monitor.HasExited, $"monitor exited while waiting for {what}:\n{log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting for {what}");
            await Task.Delay(200, timeout);
        }
    }

    private static async Task StopAsync(Process monitor)
    {
        if (!monitor.HasExited)
        {
            await ServerProcess.StopAsync(monitor, graceful: true);
        }

        await monitor.WaitForExitAsync();
    }
}
