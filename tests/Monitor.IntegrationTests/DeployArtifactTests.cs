using System.Diagnostics;
using YamlDotNet.RepresentationModel;

using Monitor.IntegrationTests.Servers;

namespace Monitor.IntegrationTests;

/// <summary>The deploy/ artifacts are accepted by the real tools that will load them.</summary>
public sealed class DeployArtifactTests
{
    [Fact]
    public async Task PrometheusRules_PassPromtoolCheckAndTheirUnitTests()
    {
        var directory = Path.Combine(RepoRoot(), "deploy", "prometheus");
        var check = await RunAsync("promtool", directory, "check", "rules", "monitor-rules.yml");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 13 rules found", check.Output);

        var test = await RunAsync("promtool", directory, "test", "rules", "monitor-rules.test.yml");
        Assert.True(test.ExitCode == 0, test.Output);
    }

    [Fact]
    public void PrometheusRuleTests_PinEveryAlert_FiringAndNotYetFiring_AndEveryAlertHasARunbookSection()
    {
        var directory = Path.Combine(RepoRoot(), "deploy", "prometheus");
        var alerts = ((YamlSequenceNode)Load(Path.Combine(directory, "monitor-rules.yml"))["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            .Select(rule => (Name: Scalar(rule, "alert"), Runbook: Scalar((YamlMappingNode)rule["annotations"], "runbook_url")))
            .ToArray();
        var cases = ((YamlSequenceNode)Load(Path.Combine(directory, "monitor-rules.test.yml"))["tests"]).Cast<YamlMappingNode>()
            .SelectMany(test => ((YamlSequenceNode)test["alert_rule_test"]).Cast<YamlMappingNode>())
            .Select(c => (Name: Scalar(c, "alertname"), Fires: ((YamlSequenceNode)c["exp_alerts"]).Children.Count > 0))
            .ToArray();
        var runbook = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "runbook.md"));
        foreach (var (name, runbookUrl) in alerts)
        {
            Assert.Contains(cases, c => c.Name == name && c.Fires);
            Assert.Contains(cases, c => c.Name == name && !c.Fires);
            // Absolute: a notification is read on a phone, where a repo-relative path leads nowhere.
            Assert.Equal($"{Monitor.Alerting.RunbookLinks.DefaultBase}docs/runbook.md#{name.ToLowerInvariant()}", runbookUrl);
            Assert.Contains($"## {name}", runbook);
        }
    }

    [Fact]
    public async Task PrometheusConfig_PassesPromtoolCheckConfig()
    {
        // The compose file mounts the rules at /etc/prometheus; check a copy that points at the repo's file.
        var directory = Path.Combine(RepoRoot(), "deploy", "prometheus");
        var copy = Path.Combine(Path.GetTempPath(), $"prometheus-{Guid.NewGuid():N}.yml");
        var text = await File.ReadAllTextAsync(Path.Combine(directory, "prometheus.yml"));
        await File.WriteAllTextAsync(copy, text.Replace("/etc/prometheus/monitor-rules.yml", Path.Combine(directory, "monitor-rules.yml")));
        try
        {
            var check = await RunAsync("promtool", directory, "check", "config", copy);
            Assert.True(check.ExitCode == 0, check.Output);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task AlertmanagerConfig_PassesAmtoolCheckConfig()
    {
        var check = await RunAsync("amtool", RepoRoot(), "check-config", "deploy/alertmanager/alertmanager.yml");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output);
        Assert.Contains("4 inhibit rules", check.Output);
    }

    [Theory]
    [InlineData("alertname=ChatFirstResponseSlow severity=warning team=chat shop=s1", "chat-wechat")]
    [InlineData("alertname=ChatFirstResponseSlow severity=critical team=cs-leads shop=s1", "oncall-pager,cs-leads-email")]
    [InlineData("alertname=ShipOnTimeLow severity=major team=logistics shop=s1", "logistics-email")]
    [InlineData("alertname=RefundWaiting30m severity=notice team=refunds shop=s1", "refunds-email")]
    [InlineData("alertname=CrisisLevelRaised severity=major team=war-room shop=s1", "war-room-webhook")]
    public async Task AlertmanagerConfig_RoutesBySeverityAndTeam(string labels, string receivers)
    {
        var test = await RunAsync(
            "amtool", RepoRoot(),
            ["config", "routes", "test", "--config.file=deploy/alertmanager/alertmanager.yml", $"--verify.receivers={receivers}", .. labels.Split(' ')]);
        Assert.True(test.ExitCode == 0, test.Output);
    }

    [Fact]
    public async Task ComposeFile_PassesDockerComposeConfig_AndStartsInHealthyOrder()
    {
        var config = await RunAsync(
            "docker-compose", RepoRoot(), ComposeSecrets,
            "-f", "deploy/docker-compose.yml", "config");
        Assert.True(config.ExitCode == 0, config.Error);

        var services = ServicesOf(config.Output);
        Assert.Equal(
            ["alert-receiver", "alertmanager", "grafana", "influxdb", "kafka", "monitor", "prometheus", "simulator"],
            services.Keys.Order(StringComparer.Ordinal));

        foreach (var name in new[] { "monitor", "simulator" })
        {
            var build = (YamlMappingNode)services[name]["build"];
            Assert.Equal("deploy/Dockerfile", Scalar(build, "dockerfile"));
            Assert.Equal(RepoRoot(), Path.GetFullPath(Scalar(build, "context")));
        }

        var simulate = ((YamlSequenceNode)services["simulator"]["command"]).Select(n => ((YamlScalarNode)n).Value!).ToArray();
        Assert.Equal(["simulate", "--bootstrap-servers", "kafka:9092", "--speed", "1"], simulate);

        // Every "wait until healthy" points at a service that has a healthcheck.
        foreach (var (name, service) in services)
        {
            if (!service.Children.TryGetValue("depends_on", out var dependsOn))
            {
                continue;
            }

            foreach (var (dependency, condition) in ((YamlMappingNode)dependsOn).Children)
            {
                Assert.Equal("service_healthy", Scalar((YamlMappingNode)condition, "condition"));
                Assert.True(services[((YamlScalarNode)dependency).Value!].Children.ContainsKey("healthcheck"), $"{name} waits for {dependency}, which has no healthcheck");
            }
        }

        var grafana = (YamlMappingNode)services["grafana"]["environment"];
        Assert.Equal("test-only", Scalar(grafana, "GF_SECURITY_ADMIN_PASSWORD"));
        Assert.Equal("true", Scalar(grafana, "GF_AUTH_ANONYMOUS_ENABLED"));
        Assert.Equal("Viewer", Scalar(grafana, "GF_AUTH_ANONYMOUS_ORG_ROLE"));
        Assert.Equal("/var/lib/grafana/dashboards/war-room.json", Scalar(grafana, "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
        Assert.True(File.Exists(Path.Combine(RepoRoot(), "dashboards", "war-room.json")));
    }

    [Fact]
    public async Task ComposeFile_KeepsEveryServicesStateInANamedVolume_SoDownAndUpLoseNothing()
    {
        var (services, volumes) = await ComposeConfigAsync();

        // service → the directory its image keeps state in.
        var state = new Dictionary<string, string>
        {
            ["kafka"] = "/var/lib/kafka/data",
            ["influxdb"] = "/var/lib/influxdb",
            ["prometheus"] = "/prometheus",
            ["alertmanager"] = "/alertmanager",
            ["grafana"] = "/var/lib/grafana",
        };
        foreach (var (service, directory) in state)
        {
            var mounts = ((YamlSequenceNode)services[service]["volumes"]).Select(v => ((YamlScalarNode)v).Value!.Split(':')).ToArray();
            var mount = mounts.SingleOrDefault(m => m[1] == directory);
            Assert.True(mount is not null, $"{service} keeps {directory} in no volume: `down` would lose it");
            Assert.Contains(mount[0], volumes);
        }

        // Kafka writes where the volume is, and formats it with one fixed cluster id.
        var kafka = (YamlMappingNode)services["kafka"]["environment"];
        Assert.Equal("/var/lib/kafka/data", Scalar(kafka, "KAFKA_LOG_DIRS"));
        Assert.Equal(16, Convert.FromBase64String(Scalar(kafka, "CLUSTER_ID").Replace('-', '+').Replace('_', '/') + "==").Length);
        var alertmanagerArgs = ((YamlSequenceNode)services["alertmanager"]["command"]).Select(n => ((YamlScalarNode)n).Value!).ToArray();
        Assert.Contains("--storage.path=/alertmanager", alertmanagerArgs);
    }

    [Fact]
    public async Task ComposeFile_ResolvesEveryWebhookHostAlertmanagerSendsTo()
    {
        var (services, _) = await ComposeConfigAsync();
        var names = services.SelectMany(service => new[] { service.Key }.Concat(Aliases(service.Value))).ToHashSet(StringComparer.Ordinal);

        var alertmanager = Load(Path.Combine(RepoRoot(), "deploy", "alertmanager", "alertmanager.yml"));
        var hooks = ((YamlSequenceNode)alertmanager["receivers"]).Cast<YamlMappingNode>()
            .Where(receiver => receiver.Children.ContainsKey("webhook_configs"))
            .SelectMany(receiver => ((YamlSequenceNode)receiver["webhook_configs"]).Cast<YamlMappingNode>())
            .Select(hook => new Uri(Scalar(hook, "url")))
            .ToArray();
        Assert.NotEmpty(hooks);
        foreach (var hook in hooks)
        {
            Assert.True(names.Contains(hook.Host), $"alertmanager.yml sends to {hook}, but no compose service or alias is named {hook.Host}");
        }

        var prometheus = Load(Path.Combine(RepoRoot(), "deploy", "prometheus", "prometheus.yml"));
        var alertmanagers = ((YamlSequenceNode)((YamlMappingNode)prometheus["alerting"])["alertmanagers"]).Cast<YamlMappingNode>()
            .SelectMany(a => ((YamlSequenceNode)a["static_configs"]).Cast<YamlMappingNode>())
            .SelectMany(c => ((YamlSequenceNode)c["targets"]).Select(t => ((YamlScalarNode)t).Value!.Split(':')[0]));
        Assert.All(alertmanagers, host => Assert.Contains(host, names));
    }

    [Fact]
    public async Task ComposeFile_PinsTheVersionsTheTestsRun_AndDocsNameThem()
    {
        var (services, _) = await ComposeConfigAsync();
        var images = services.Where(s => s.Value.Children.ContainsKey("image") && !s.Value.Children.ContainsKey("build"))
            .ToDictionary(s => s.Key, s => Scalar(s.Value, "image"));
        foreach (var (service, image) in images)
        {
            var tag = image.Contains(':') ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.True(tag.Length > 0 && tag != "latest" && char.IsAsciiDigit(tag.TrimStart('v')[0]), $"{service}: image {image} is not pinned to a version");
        }

        // The servers the integration tests start are the Debian packages; compose runs the same lines.
        var prometheus = await RunAsync("prometheus", RepoRoot(), "--version");
        var amtool = await RunAsync("amtool", RepoRoot(), "--version");
        var influxd = await RunAsync("influxd", RepoRoot(), "version");
        Assert.Contains($"version {images["prometheus"].Split(":v")[1]}", prometheus.Output);
        Assert.Contains($"version {images["alertmanager"].Split(":v")[1]}", amtool.Output);
        var influxLine = string.Join('.', images["influxdb"].Split(':')[1].Split('.').Take(2));
        Assert.Contains($"InfluxDB v{influxLine}.", influxd.Output);

        var docs = await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "docs", "deploy.md"));
        foreach (var image in images.Values)
        {
            Assert.Contains($"`{image}`", docs);
        }
    }

    [Fact]
    public async Task DevSecrets_CreatesEverySecretFileAlertmanagerNames_AndKeepsExistingOnes()
    {
        var parent = Directory.CreateTempSubdirectory("monitor-dev-secrets-").FullName;
        var directory = Path.Combine(parent, "alertmanager");
        Directory.CreateDirectory(directory);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(parent, ".env"), "GRAFANA_ADMIN_PASSWORD=mine\n");
            var source = Path.Combine(RepoRoot(), "deploy", "alertmanager");
            File.Copy(Path.Combine(source, "alertmanager.yml"), Path.Combine(directory, "alertmanager.yml"));
            File.Copy(Path.Combine(source, "dev-secrets.sh"), Path.Combine(directory, "dev-secrets.sh"));
            Directory.CreateDirectory(Path.Combine(directory, "secrets"));
            await File.WriteAllTextAsync(Path.Combine(directory, "secrets", "smtp-password"), "the real one");

            var run = await RunAsync("bash", directory, "dev-secrets.sh");

            Assert.True(run.ExitCode == 0, run.Output);
            var named = System.Text.RegularExpressions.Regex.Matches(await File.ReadAllTextAsync(Path.Combine(directory, "alertmanager.yml")), "/etc/alertmanager/secrets/([A-Za-z0-9._-]+)")
                .Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(4, named.Length);
            Assert.Equal(named, Directory.GetFiles(Path.Combine(directory, "secrets")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("the real one", await File.ReadAllTextAsync(Path.Combine(directory, "secrets", "smtp-password")));
            Assert.All(named.Where(n => n != "smtp-password"), n => Assert.True(new FileInfo(Path.Combine(directory, "secrets", n)).Length >= 16));

            // deploy/.env: every password compose requires, the one already there kept.
            var variables = (await File.ReadAllLinesAsync(Path.Combine(parent, ".env"))).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(ComposeSecrets.Keys.Order(StringComparer.Ordinal), variables.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("mine", variables["GRAFANA_ADMIN_PASSWORD"]);
            Assert.All(variables.Where(v => v.Key != "GRAFANA_ADMIN_PASSWORD"), v => Assert.Matches("^[A-Za-z0-9]{24}$", v.Value));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private static async Task<(Dictionary<string, YamlMappingNode> Services, HashSet<string> Volumes)> ComposeConfigAsync()
    {
        var config = await RunAsync(
            "docker-compose", RepoRoot(), ComposeSecrets,
            "-f", "deploy/docker-compose.yml", "config");
        Assert.True(config.ExitCode == 0, config.Error);
        var stream = new YamlStream();
        stream.Load(new StringReader(config.Output));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var volumes = root.Children.TryGetValue("volumes", out var v)
            ? ((YamlMappingNode)v).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal)
            : [];
        return (ServicesOf(config.Output), volumes);
    }

    private static IEnumerable<string> Aliases(YamlMappingNode service) =>
        service.Children.TryGetValue("networks", out var networks) && networks is YamlMappingNode byName
            ? byName.Children.Values.OfType<YamlMappingNode>()
                .Where(n => n.Children.ContainsKey("aliases"))
                .SelectMany(n => ((YamlSequenceNode)n["aliases"]).Select(a => ((YamlScalarNode)a).Value!))
            : [];

    /// <summary>The passwords compose requires (deploy/.env on a real machine), as test values.</summary>
    private static readonly Dictionary<string, string> ComposeSecrets = new()
    {
        ["GRAFANA_ADMIN_PASSWORD"] = "test-only",
        ["INFLUXDB_ADMIN_PASSWORD"] = "test-admin",
        ["INFLUXDB_MONITOR_PASSWORD"] = "test-monitor",
        ["INFLUXDB_GRAFANA_PASSWORD"] = "test-grafana",
    };

    [Theory]
    [InlineData("GRAFANA_ADMIN_PASSWORD")]
    [InlineData("INFLUXDB_ADMIN_PASSWORD")]
    [InlineData("INFLUXDB_MONITOR_PASSWORD")]
    [InlineData("INFLUXDB_GRAFANA_PASSWORD")]
    public async Task ComposeFile_WithoutAPassword_IsRejected(string missing)
    {
        var environment = new Dictionary<string, string>(ComposeSecrets) { [missing] = "" };

        var config = await RunAsync("docker-compose", RepoRoot(), environment, "-f", "deploy/docker-compose.yml", "config");

        Assert.NotEqual(0, config.ExitCode);
        Assert.Contains(missing, config.Error);
    }

    [Fact]
    public async Task ComposeFile_PublishesOnlyGrafanaAndTheMonitor_AndTheLocalOverrideOnlyOnLoopback()
    {
        var (services, _) = await ComposeConfigAsync();
        var published = services.Where(s => s.Value.Children.ContainsKey("ports")).Select(s => s.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["grafana", "monitor"], published);

        var local = await RunAsync(
            "docker-compose", RepoRoot(), ComposeSecrets, "-f", "deploy/docker-compose.yml", "-f", "deploy/docker-compose.local.yml", "config");
        Assert.True(local.ExitCode == 0, local.Error);
        var withLocal = ServicesOf(local.Output);
        foreach (var name in new[] { "kafka", "influxdb", "prometheus", "alertmanager" })
        {
            var ports = ((YamlSequenceNode)withLocal[name]["ports"]).Cast<YamlNode>().ToArray();
            Assert.NotEmpty(ports);
            Assert.All(ports, port => Assert.Equal("127.0.0.1", port is YamlMappingNode long_ ? Scalar(long_, "host_ip") : ((YamlScalarNode)port).Value!.Split(':')[0]));
        }
    }

    [Fact]
    public async Task ComposeFile_RunsInfluxDbWithAuthentication_TheMonitorWritesAndGrafanaReads_WithPasswordsFromTheEnvironment()
    {
        var (services, _) = await ComposeConfigAsync();
        var influx = (YamlMappingNode)services["influxdb"]["environment"];
        Assert.Equal("true", Scalar(influx, "INFLUXDB_HTTP_AUTH_ENABLED"));
        Assert.Equal("test-admin", Scalar(influx, "INFLUXDB_ADMIN_PASSWORD"));
        Assert.Equal(("monitor", "test-monitor"), (Scalar(influx, "INFLUXDB_WRITE_USER"), Scalar(influx, "INFLUXDB_WRITE_USER_PASSWORD")));
        Assert.Equal(("grafana", "test-grafana"), (Scalar(influx, "INFLUXDB_READ_USER"), Scalar(influx, "INFLUXDB_READ_USER_PASSWORD")));
        var health = string.Join(" ", ((YamlSequenceNode)((YamlMappingNode)services["influxdb"]["healthcheck"])["test"]).Select(n => ((YamlScalarNode)n).Value));
        Assert.Contains("-password", health);

        // The monitor writes as the write user: user name in its settings, password from the same variable.
        var monitorEnvironment = (YamlMappingNode)services["monitor"]["environment"];
        Assert.Equal("test-monitor", Scalar(monitorEnvironment, "MONITOR_INFLUX_PASSWORD"));
        var (settings, errors) = Monitor.Settings.SettingsLoader.Load(Path.Combine(RepoRoot(), "deploy", "monitor.yaml"), name => name == "MONITOR_INFLUX_PASSWORD" ? "test-monitor" : null);
        Assert.Empty(errors);
        Assert.Equal(("monitor", "test-monitor"), (settings.Influx!.Username, settings.Influx.Password));

        // Grafana reads as the read user, its password expanded from its own environment.
        Assert.Equal("test-grafana", Scalar((YamlMappingNode)services["grafana"]["environment"], "INFLUXDB_GRAFANA_PASSWORD"));
        var datasource = ((YamlSequenceNode)Load(Path.Combine(RepoRoot(), "deploy", "grafana", "provisioning", "datasources", "datasources.yml"))["datasources"])
            .Cast<YamlMappingNode>().Single(d => Scalar(d, "type") == "influxdb");
        Assert.Equal("grafana", Scalar(datasource, "user"));
        Assert.Equal("$INFLUXDB_GRAFANA_PASSWORD", Scalar((YamlMappingNode)datasource["secureJsonData"], "password"));
    }

    [Fact]
    public async Task PrometheusConfig_ScrapesTheComposeMonitorOnItsMetricsPort()
    {
        var prometheus = Load(Path.Combine(RepoRoot(), "deploy", "prometheus", "prometheus.yml"));
        var targets = ((YamlSequenceNode)prometheus["scrape_configs"])
            .Cast<YamlMappingNode>()
            .SelectMany(job => ((YamlSequenceNode)job["static_configs"]).Cast<YamlMappingNode>())
            .SelectMany(group => ((YamlSequenceNode)group["targets"]).Select(t => ((YamlScalarNode)t).Value!))
            .ToArray();
        Assert.Contains("monitor:9464", targets);

        var compose = ServicesOf(await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "deploy", "docker-compose.yml")));
        Assert.Contains("monitor", compose.Keys);
        var settings = Load(Path.Combine(RepoRoot(), "deploy", "monitor.yaml"));
        Assert.Equal("http://0.0.0.0:9464", Scalar((YamlMappingNode)settings["metrics"], "listen"));
    }

    [Fact]
    public void Dockerfile_PublishesTheMonitor_AndRunsItAsNonRoot()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "Dockerfile"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToArray();

        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", lines);
        Assert.Contains("RUN dotnet publish src/Monitor -c Release -o /app --no-restore", lines);
        Assert.Equal("FROM mcr.microsoft.com/dotnet/aspnet:10.0", lines.Last(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        // Keyword normalisation needs ICU: the (non-chiseled) aspnet image has it, and nothing may switch it off.
        Assert.DoesNotContain(lines, l => l.Contains("GLOBALIZATION_INVARIANT", StringComparison.Ordinal) || l.Contains("chiseled", StringComparison.Ordinal));
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..];
        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER {user} is not a numeric non-root uid");
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"monitor.dll\"]", lines.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal)));
        Assert.Equal("CMD [\"run\", \"--config\", \"/etc/monitor/monitor.yaml\"]", lines.Single(l => l.StartsWith("CMD ", StringComparison.Ordinal)));

        // Every file the build copies from the context exists and is not excluded by .dockerignore.
        var ignored = File.ReadAllLines(Path.Combine(RepoRoot(), ".dockerignore"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.TrimStart('/').Replace("**/", "", StringComparison.Ordinal))
            .ToArray();
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
            {
                Assert.True(Path.Exists(Path.Combine(RepoRoot(), source)), $"{copy}: {source} does not exist");
                Assert.DoesNotContain(ignored, pattern => source.StartsWith(pattern, StringComparison.Ordinal));
            }
        }
    }

    internal static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    internal static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value ?? "";

    private static Dictionary<string, YamlMappingNode> ServicesOf(string composeYaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(composeYaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return ((YamlMappingNode)root["services"]).Children.ToDictionary(
            entry => ((YamlScalarNode)entry.Key).Value!,
            entry => (YamlMappingNode)entry.Value);
    }

    internal static string RepoRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Monitor.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("Monitor.sln not found above the test binaries");
    }

    internal static Task<(int ExitCode, string Output)> RunToolAsync(string tool, string directory, params string[] arguments) =>
        RunAsync(tool, directory, arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, string directory, params string[] arguments)
    {
        var result = await RunAsync(tool, directory, new Dictionary<string, string>(), arguments);
        return (result.ExitCode, result.Output + result.Error);
    }

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(
        string tool, string directory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        ToolRun.RunAsync(tool, directory, environment.Select(e => (e.Key, e.Value)), arguments);
}
