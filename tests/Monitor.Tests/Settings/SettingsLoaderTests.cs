using Microsoft.Extensions.Logging;
using Monitor.Alerting;
using Monitor.Influx;
using Monitor.Settings;

namespace Monitor.Tests.Settings;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"monitor-{Guid.NewGuid():N}.yaml");

    [Fact]
    public void ValidFile_IsRead_WithSecretsFromTheEnvironment()
    {
        File.WriteAllText(_path, """
            kafka:
              bootstrapServers: broker:9092
              groupId: wall
              properties:
                security.protocol: SASL_SSL
            influx:
              url: http://influx:8086
              api: v2
              org: acme
              bucket: monitor
            pipeline:
              step: 5s
              window: 2m
              lateness: 10s
            metrics:
              listen: http://0.0.0.0:9500
            """);
        var environment = new Dictionary<string, string> { ["MONITOR_INFLUX_TOKEN"] = "t0ken", ["MONITOR_KAFKA_SASL_PASSWORD"] = "pw" };

        var (settings, errors) = SettingsLoader.Load(_path, name => environment.GetValueOrDefault(name));

        Assert.Empty(errors);
        Assert.Equal("broker:9092", settings.KafkaBootstrapServers);
        Assert.Equal("wall", settings.KafkaGroupId);
        Assert.Equal("SASL_SSL", settings.KafkaProperties["security.protocol"]);
        Assert.Equal("pw", settings.KafkaProperties["sasl.password"]);
        Assert.Equal(InfluxApi.V2, settings.Influx!.Api);
        Assert.Equal("t0ken", settings.Influx.Token);
        Assert.DoesNotContain("t0ken", settings.Influx.ToString());
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Engine.Step);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Engine.ConversationWindow);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Engine.AllowedLateness);
        Assert.Equal("http://0.0.0.0:9500", settings.MetricsUrl);
    }

    [Fact]
    public void BadFile_ListsEveryProblem_WithLineAndColumn()
    {
        File.WriteAllText(_path, "kafka:\n  bogus: 1\ninflux:\n  url: notaurl\n  password: hunter2\npipeline:\n  step: 10x\n  window: 1s\n");

        var (_, errors) = SettingsLoader.Load(_path, _ => null);

        var text = errors.Select(e => e.ToString()).ToArray();
        Assert.Contains(text, e => e.Contains(":2:10: kafka: unknown key 'bogus'"));
        Assert.Contains(text, e => e.Contains(":4:8: influx.url must be an http(s) URL"));
        Assert.Contains(text, e => e.Contains(":5:13: influx.password: secrets do not belong in the file"));
        Assert.Contains(text, e => e.Contains(":7:9: pipeline.step must be a duration"));
        Assert.DoesNotContain(text, e => e.Contains("hunter2"));
    }

    [Fact]
    public void InhibitBy_NamesTheInhibitingRules_EmptyTurnsItOff_AndItDefaultsToTheCrisisRule()
    {
        File.WriteAllText(_path, "alerting:\n  inhibitBy: [CrisisLevelRaised, ShipOnTimeLow]\n");
        var (named, namedErrors) = SettingsLoader.Load(_path, _ => null);
        File.WriteAllText(_path, "alerting:\n  inhibitBy: []\n");
        var (off, offErrors) = SettingsLoader.Load(_path, _ => null);
        File.WriteAllText(_path, "alerting:\n  inhibitBy: CrisisLevelRaised\n");
        var (_, badErrors) = SettingsLoader.Load(_path, _ => null);
        var (defaults, _) = SettingsLoader.Load(null, _ => null);

        Assert.Empty(namedErrors);
        Assert.Equal(["CrisisLevelRaised", "ShipOnTimeLow"], named.Alerting.InhibitBy);
        Assert.Empty(offErrors);
        Assert.Empty(off.Alerting.InhibitBy);
        Assert.Contains(badErrors, e => e.ToString().Contains(":2:14: alerting.inhibitBy must be a list of rule names", StringComparison.Ordinal));
        Assert.Equal(["CrisisLevelRaised"], defaults.Alerting.InhibitBy);
        var (rules, _) = Monitor.Alerting.AlertRulesLoader.Load(Support.RepoFiles.Path("deploy", "monitor", "rules.yaml"), new Uri("https://x.test/"));
        Assert.Contains(rules!.Thresholds, r => r.Name == "CrisisLevelRaised"); // the default names a shipped rule
    }

    [Fact]
    public void OnCallPerShop_AndAReceiversShopsAndMentionFrom_AreRead()
    {
        File.WriteAllText(_path, """
            alerting:
              onCall:
                s1: {mobiles: ["13800000001"], userIds: [lead-s1]}
              receivers:
                - name: s1-group
                  type: dingtalk
                  url: https://oapi.dingtalk.test/robot/send?access_token=t
                  shops: [s1]
                  mentionFrom: major
            """);

        var (settings, errors) = SettingsLoader.Load(_path, _ => null);

        Assert.Empty(errors);
        Assert.Equal(new ShopOnCall(["13800000001"], ["lead-s1"]), settings.Alerting.OnCall["s1"]);
        var receiver = Assert.Single(settings.Alerting.Receivers!);
        Assert.Equal(["s1"], receiver.Shops);
        Assert.Equal(Monitor.Core.Alerts.Severity.Major, receiver.MentionFrom);
        Assert.DoesNotContain("13800000001", settings.Alerting.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WindowShorterThanStep_IsReported()
    {
        File.WriteAllText(_path, "pipeline:\n  step: 10s\n  window: 5s\n");
        var (_, errors) = SettingsLoader.Load(_path, _ => null);
        Assert.Contains(errors, e => e.Message.Contains("window") && e.Message.Contains("at least one step"));
    }

    [Fact]
    public void MaxShopsMaxItemsPerShopAndMaxItems_AreRead_AndZeroIsRefused()
    {
        File.WriteAllText(_path, "pipeline:\n  maxShops: 200000\n  maxItemsPerShop: 5000000\n  maxItems: 20000000\n");
        var (settings, errors) = SettingsLoader.Load(_path, _ => null);
        Assert.Empty(errors);
        Assert.Equal(200_000, settings!.Engine.MaxShops);
        Assert.Equal(5_000_000, settings.Engine.MaxItemsPerShop);
        Assert.Equal(20_000_000, settings.Engine.MaxItems);

        File.WriteAllText(_path, "pipeline:\n  maxShops: 0\n");
        (_, errors) = SettingsLoader.Load(_path, _ => null);
        Assert.Contains(errors, e => e.Message.Contains("pipeline.maxShops"));

        File.WriteAllText(_path, "pipeline:\n  maxItems: 0\n");
        (_, errors) = SettingsLoader.Load(_path, _ => null);
        Assert.Contains(errors, e => e.Message.Contains("pipeline.maxItems"));
    }

    [Fact]
    public void ShopDefaultsAndOverrides_AreReadIntoTheEngineOptions()
    {
        File.WriteAllText(_path, """
            shops:
              overrides:
                vip-shop:
                  replySla: { chat: 30s }
                  shipSla: 12h
                  staticCapacityPerMin: 40
              defaults:
                replySla: { chat: 120s, email: 12h }
                serviceLevelThreshold: 15s
                stallLimit: 36h
            crisis:
              throughputPerAgentPerMin: { chat: 0.8 }
              levels: [0.5, 1.0, 2.0]
            """);

        var (settings, errors) = SettingsLoader.Load(_path, _ => null);

        Assert.Empty(errors);
        var engine = settings.Engine;
        Assert.Equal(TimeSpan.FromSeconds(120), engine.ChatReplySla);
        Assert.Equal(TimeSpan.FromHours(12), engine.EmailReplySla);
        Assert.Equal(TimeSpan.FromSeconds(180), engine.SocialReplySla);
        Assert.Equal(TimeSpan.FromSeconds(15), engine.ServiceLevelThreshold);
        Assert.Equal(TimeSpan.FromHours(36), engine.StallLimit);
        Assert.Equal(TimeSpan.FromHours(24), engine.ShipSla);
        Assert.Equal(0.8, engine.Crisis.ThroughputPerAgentPerMinute["chat"]);
        Assert.Equal(0.2, engine.Crisis.ThroughputPerAgentPerMinute["email"]);
        Assert.Equal([0.5, 1.0, 2.0], engine.Crisis.LevelThresholds);

        var vip = engine.ForShop("vip-shop");
        Assert.Equal(TimeSpan.FromSeconds(30), vip.ChatReplySla);
        Assert.Equal(TimeSpan.FromHours(12), vip.EmailReplySla);
        Assert.Equal(TimeSpan.FromHours(12), vip.ShipSla);
        Assert.Equal(TimeSpan.FromHours(36), vip.StallLimit);
        Assert.Equal(40, vip.Crisis.StaticCapacityPerMinute);
        Assert.Same(engine, engine.ForShop("other-shop"));
    }

    [Fact]
    public void BadShopAndCrisisSettings_AreReportedWithTheirPlace()
    {
        File.WriteAllText(_path, "shops:\n  overrides:\n    s1:\n      replySla: { fax: 10s }\n      shipSla: 0s\n      staticCapacityPerMin: lots\n  bogus: 1\ncrisis:\n  levels: [1.0, 0.8]\n  throughputPerAgentPerMin: { chat: -1 }\n");

        var (_, errors) = SettingsLoader.Load(_path, _ => null);

        var text = errors.Select(e => e.ToString()).ToArray();
        Assert.Contains(text, e => e.Contains(":4:24: shops.overrides.s1.replySla: unknown key 'fax'"));
        Assert.Contains(text, e => e.Contains(":5:16: shops.overrides.s1.shipSla must be longer than zero"));
        Assert.Contains(text, e => e.Contains(":6:29: shops.overrides.s1.staticCapacityPerMin must be a number"));
        Assert.Contains(text, e => e.Contains(":7:10: shops: unknown key 'bogus'"));
        Assert.Contains(text, e => e.Contains(":9:11: crisis.levels must be strictly ascending"));
        Assert.Contains(text, e => e.Contains(":10:37: crisis.throughputPerAgentPerMin.chat must be a number from 0"));
    }

    [Fact]
    public void MissingFile_IsReported() =>
        Assert.Contains(SettingsLoader.Load(_path + ".absent", _ => null).Errors, e => e.Message == "file not found");

    [Theory]
    [InlineData("250ms", 0.25)]
    [InlineData("10s", 10)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("42", 42)]
    public void Durations_ParseTheUsualForms(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("s")]
    [InlineData("NaNs")]
    [InlineData("Infinity")]
    [InlineData("1e300h")]
    public void Durations_RejectNonsense(string text) => Assert.False(Durations.TryParse(text, out _));

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void ShippedDeploySettings_LoadWithoutErrors_WithRulesAndAlertmanager()
    {
        var (settings, errors) = SettingsLoader.Load(Support.RepoFiles.Path("deploy", "monitor.yaml"), _ => null);

        Assert.Empty(errors);
        Assert.Equal(Support.RepoFiles.Path("deploy", "monitor", "rules.yaml"), Path.GetFullPath(settings.AlertRulesFile!));
        Assert.Equal(new Uri("http://alertmanager:9093"), settings.Alerting.AlertmanagerUrl);
    }

    [Fact]
    public void Alerting_ReadsRulesAlertmanagerWebhooks_AndSecretsOnlyFromEnvOrFiles()
    {
        var dir = Directory.CreateTempSubdirectory("monitor-settings-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "rules.yaml"), "rules: []\n");
            File.WriteAllText(Path.Combine(dir.FullName, "am-token"), "s3cret-token\n");
            var path = Path.Combine(dir.FullName, "monitor.yaml");
            File.WriteAllText(path, """
                alerting:
                  rules: rules.yaml
                  alertmanager:
                    url: http://am.test:9093
                    resendInterval: 20s
                    tokenFile: am-token
                  webhooks: [http://hook.test/a, http://hook.test/b]
                  grafanaUrl: http://grafana.test:3000
                """);
            var (settings, errors) = SettingsLoader.Load(path, _ => null);
            Assert.Empty(errors);
            Assert.Equal(Path.Combine(dir.FullName, "rules.yaml"), settings.AlertRulesFile);
            Assert.Equal(TimeSpan.FromSeconds(20), settings.Alerting.ResendInterval);
            Assert.Equal("s3cret-token", settings.Alerting.BearerToken);
            Assert.Equal(2, settings.Alerting.WebhookUrls.Count);
            Assert.DoesNotContain("s3cret", settings.Alerting.ToString());

            File.WriteAllText(path, "alerting:\n  alertmanager:\n    url: http://am.test:9093\n    password: hunter2\n  rules: nope.yaml\n");
            (_, errors) = SettingsLoader.Load(path, env => env == "MONITOR_ALERTMANAGER_TOKEN" ? "from-env" : null);
            Assert.Equal(2, errors.Count);
            Assert.Contains(errors, e => e.Message.Contains("secrets do not belong in the file") && e.Line == 4);
            Assert.Contains(errors, e => e.Message.Contains("nope.yaml does not exist") && e.Line == 5);
            Assert.DoesNotContain(errors, e => e.ToString().Contains("hunter2"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
    [Fact]
    public void Receivers_TakeTheirUrlAndSecretFromTheEnvironmentOrAFile_NeverFromTheFileItself()
    {
        var dir = Directory.CreateTempSubdirectory("monitor-settings-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "robot-url"), "https://oapi.dingtalk.com/robot/send?access_token=from-file\n");
            var path = Path.Combine(dir.FullName, "monitor.yaml");
            File.WriteAllText(path, """
                alerting:
                  receivers:
                    - name: war-room
                      type: dingtalk
                      urlEnv: WAR_ROOM_ROBOT_URL
                      secretEnv: WAR_ROOM_ROBOT_SECRET
                    - name: shop-leads
                      type: dingtalk
                      urlFile: robot-url
                      minSeverity: critical
                      teams: [chat, calls]
                """);
            var environment = new Dictionary<string, string>
            {
                ["WAR_ROOM_ROBOT_URL"] = "https://oapi.dingtalk.com/robot/send?access_token=from-env",
                ["WAR_ROOM_ROBOT_SECRET"] = "SECabc",
            };
            var (settings, errors) = SettingsLoader.Load(path, name => environment.GetValueOrDefault(name));
            Assert.Empty(errors);
            Assert.Equal(
                [new ReceiverOptions("war-room", ReceiverType.DingTalk, new Uri(environment["WAR_ROOM_ROBOT_URL"]), "SECabc"), new ReceiverOptions("shop-leads", ReceiverType.DingTalk, new Uri("https://oapi.dingtalk.com/robot/send?access_token=from-file")) { MinSeverity = Monitor.Core.Alerts.Severity.Critical, Teams = ["chat", "calls"] }],
                settings.Alerting.Receivers);
            Assert.DoesNotContain("from-env", settings.Alerting.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("SECabc", settings.Alerting.ToString(), StringComparison.Ordinal);

            File.WriteAllText(path, """
                alerting:
                  receivers:
                    - name: a
                      type: slack
                      url: https://hooks.slack.test/k
                    - name: b
                      type: dingtalk
                      url: https://oapi.dingtalk.com/robot/send?access_token=t
                      secret: SEC-in-the-file
                    - name: c
                      type: dingtalk
                      urlEnv: UNSET_VARIABLE
                """);
            (_, errors) = SettingsLoader.Load(path, _ => null);
            Assert.Contains(errors, e => e.Message.Contains("type must be dingtalk, wecom or feishu, not 'slack'", StringComparison.Ordinal) && e.Line == 4);
            Assert.Contains(errors, e => e.Message.Contains("secrets do not belong in the file; use secretEnv or secretFile", StringComparison.Ordinal) && e.Line == 9);
            Assert.Contains(errors, e => e.Message.Contains("the environment variable UNSET_VARIABLE is not set", StringComparison.Ordinal) && e.Line == 12);
            Assert.Equal(3, errors.Count);
            Assert.DoesNotContain(errors, e => e.ToString().Contains("SEC-in-the-file", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void NoFile_TheEnvironmentAloneNamesAnInfluxDb_WithItsCredentials()
    {
        var environment = new Dictionary<string, string>
        {
            ["MONITOR_INFLUX_URL"] = "http://influx.test:8086",
            ["MONITOR_INFLUX_USERNAME"] = "writer",
            ["MONITOR_INFLUX_PASSWORD"] = "pw",
        };

        var (settings, errors) = SettingsLoader.Load(null, name => environment.GetValueOrDefault(name));
        var (none, noErrors) = SettingsLoader.Load(null, _ => null);

        Assert.Empty(errors);
        Assert.Equal(new Uri("http://influx.test:8086"), settings.Influx!.Url);
        Assert.Equal("writer", settings.Influx.Username);
        Assert.Equal("pw", settings.Influx.Password);
        Assert.Empty(noErrors);
        Assert.Null(none.Influx);
    }

    [Fact]
    public void NoFile_NoInfluxUrl_TheEnvironmentsCredentials_WaitForAnInfluxDbNamedOnTheCommandLine()
    {
        // `replay --influx URL` / `demo --influx URL` with the credentials in the environment: before,
        // they were applied only to an influx section, so such a write went without credentials (a 401).
        var environment = new Dictionary<string, string>
        {
            ["MONITOR_INFLUX_USERNAME"] = "writer",
            ["MONITOR_INFLUX_PASSWORD"] = "pw",
        };

        var (settings, errors) = SettingsLoader.Load(null, name => environment.GetValueOrDefault(name));

        Assert.Empty(errors);
        Assert.Null(settings.Influx); // nothing names a server: run writes nowhere
        Assert.Equal("writer", settings.InfluxWithoutSection!.Username);
        Assert.Equal("pw", settings.InfluxWithoutSection.Password);
    }

    [Fact]
    public void InfluxPasswordFile_IsRead_AndTheEnvironmentWinsOverIt()
    {
        var dir = Directory.CreateTempSubdirectory("monitor-settings-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "influx-password"), "from-file\n");
            var path = Path.Combine(dir.FullName, "monitor.yaml");
            File.WriteAllText(path, "influx:\n  url: http://influx.test:8086\n  username: writer\n  retentionPolicy: week\n  passwordFile: influx-password\n");

            var (fromFile, errors) = SettingsLoader.Load(path, _ => null);
            var (fromEnvironment, _) = SettingsLoader.Load(path, name => name == "MONITOR_INFLUX_PASSWORD" ? "from-env" : null);

            Assert.Empty(errors);
            Assert.Equal("from-file", fromFile.Influx!.Password);
            Assert.Equal("week", fromFile.Influx.RetentionPolicy);
            Assert.DoesNotContain("from-file", fromFile.Influx.ToString());
            Assert.Equal("from-env", fromEnvironment.Influx!.Password);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
    [Fact]
    public void Logging_FormatAndLevel_ComeFromTheFileOrTheEnvironment_AndNonsenseIsReported()
    {
        File.WriteAllText(_path, "logging:\n  format: json\n  level: warning\n");
        var (fromFile, errors) = SettingsLoader.Load(_path, _ => null);
        var (fromEnvironment, _) = SettingsLoader.Load(null, name => name switch { "MONITOR_LOG_FORMAT" => "JSON", "MONITOR_LOG_LEVEL" => "Debug", _ => null });
        var (defaults, _) = SettingsLoader.Load(null, _ => null);
        File.WriteAllText(_path, "logging:\n  format: xml\n  level: loud\n  colour: red\n");
        var (_, bad) = SettingsLoader.Load(_path, _ => null);

        Assert.Empty(errors);
        Assert.Equal((Monitor.Hosting.LogFormat.Json, LogLevel.Warning), (fromFile.LogFormat, fromFile.LogLevel));
        Assert.Equal((Monitor.Hosting.LogFormat.Json, LogLevel.Debug), (fromEnvironment.LogFormat, fromEnvironment.LogLevel));
        Assert.Equal((Monitor.Hosting.LogFormat.Text, (LogLevel?)null), (defaults.LogFormat, defaults.LogLevel));
        Assert.Equal(
            ["logging.format must be text or json, not 'xml'", "logging.level must be one of Trace, Debug, Information, Warning, Error, Critical, not 'loud'", "logging: unknown key 'colour' (known: format, level)"],
            bad.Select(e => e.Message));
    }
    [Theory]
    [InlineData("ssl.key.pem")]
    [InlineData("ssl_key")]
    [InlineData("ssl.key.password")]
    [InlineData("ssl.keystore.password")]
    [InlineData("sasl.password")]
    [InlineData("sasl.oauthbearer.config")]
    [InlineData("sasl.oauthbearer.client.secret")]
    [InlineData("sasl.oauthbearer.assertion.private.key.passphrase")]
    public void KafkaSecretProperties_AreRefusedInTheFile_WithoutEchoingTheValue(string property)
    {
        File.WriteAllText(_path, $"kafka:\n  properties:\n    {property}: hunter2-value\n    sasl.username: monitor\n    ssl.key.location: /run/secrets/client.key\n");

        var (settings, errors) = SettingsLoader.Load(_path, _ => null);

        var error = Assert.Single(errors);
        Assert.Contains($"kafka.properties.{property}: secrets do not belong in the file", error.Message);
        Assert.Equal(3, error.Line);
        Assert.DoesNotContain("hunter2", error.ToString());
        Assert.False(settings.KafkaProperties.ContainsKey(property));
        Assert.Equal("monitor", settings.KafkaProperties["sasl.username"]);
        Assert.Equal("/run/secrets/client.key", settings.KafkaProperties["ssl.key.location"]);
    }

    [Fact]
    public void KafkaSecretFiles_GiveTheSecretPropertiesTheirValues()
    {
        var dir = Directory.CreateTempSubdirectory("monitor-settings-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "oidc-secret"), "s3cret-from-file\n");
            var path = Path.Combine(dir.FullName, "monitor.yaml");
            File.WriteAllText(path, "kafka:\n  properties:\n    sasl.mechanism: OAUTHBEARER\n    sasl.oauthbearer.method: oidc\n    sasl.oauthbearer.token.endpoint.url: https://idp.test/token\n  secretFiles:\n    sasl.oauthbearer.client.secret: oidc-secret\n");

            var (settings, errors) = SettingsLoader.Load(path, _ => null);

            Assert.Empty(errors);
            Assert.Equal("oidc", settings.KafkaProperties["sasl.oauthbearer.method"]);
            Assert.Equal("s3cret-from-file", settings.KafkaProperties["sasl.oauthbearer.client.secret"]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
