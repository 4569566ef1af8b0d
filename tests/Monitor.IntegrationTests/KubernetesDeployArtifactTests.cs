using Monitor.Alerting;
using Monitor.Keywords;
using Monitor.Settings;
using YamlDotNet.RepresentationModel;
using static Monitor.IntegrationTests.DeployArtifactTests;

namespace Monitor.IntegrationTests;

/// <summary>deploy/k8s/: the manifests hang together and carry the repo's configuration.</summary>
public sealed class KubernetesDeployArtifactTests
{
    private static readonly string Manifests = Path.Combine(RepoRoot(), "deploy", "k8s");
    private static readonly string OperatorManifests = Path.Combine(RepoRoot(), "deploy", "k8s-prometheus-operator");

    [Fact]
    public void Kustomization_AppliesNamespaceConfigMapDeploymentServiceAndDisruptionBudget_ButNotTheSecretTemplate()
    {
        var resources = ((YamlSequenceNode)Load(Path.Combine(Manifests, "kustomization.yaml"))["resources"])
            .Select(r => ((YamlScalarNode)r).Value!)
            .ToArray();

        var kinds = resources.Select(file => Scalar(Load(Path.Combine(Manifests, file)), "kind")).Order(StringComparer.Ordinal);
        Assert.Equal(["ConfigMap", "Deployment", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service"], kinds);
        Assert.DoesNotContain("secret.template.yaml", resources);

        var secret = Load(Path.Combine(Manifests, "secret.template.yaml"));
        Assert.Equal("Secret", Scalar(secret, "kind"));
        var placeholders = (YamlMappingNode)secret["stringData"];
        Assert.All(placeholders.Children.Values, value => Assert.Equal("", ((YamlScalarNode)value).Value));
        Assert.Contains(new YamlScalarNode("MONITOR_INFLUX_TOKEN"), placeholders.Children.Keys);
        Assert.Contains(new YamlScalarNode("MONITOR_ALERTMANAGER_PASSWORD"), placeholders.Children.Keys);
    }

    [Fact]
    public async Task PlainPrometheusConfig_ScrapesThePodsAsJobMonitor_LoadsTheHealthRules_AndSendsToAnAlertmanager()
    {
        // Issue 18 item 1 for Kubernetes without the operator: the health alerts must leave Prometheus.
        var text = await File.ReadAllTextAsync(Path.Combine(Manifests, "prometheus.yml"));
        var config = Load(Path.Combine(Manifests, "prometheus.yml"));
        var job = (YamlMappingNode)((YamlSequenceNode)config["scrape_configs"]).Single();
        Assert.Equal("monitor", Scalar(job, "job_name"));
        var discovery = (YamlMappingNode)((YamlSequenceNode)job["kubernetes_sd_configs"]).Single();
        Assert.Equal("pod", Scalar(discovery, "role"));
        Assert.Equal("service-monitor", ((YamlScalarNode)((YamlSequenceNode)((YamlMappingNode)discovery["namespaces"])["names"]).Single()).Value);
        Assert.Equal(["monitor-rules.yml"], ((YamlSequenceNode)config["rule_files"]).Select(r => ((YamlScalarNode)r).Value));
        Assert.NotEmpty((YamlSequenceNode)((YamlMappingNode)config["alerting"])["alertmanagers"]);

        // Debian's promtool is built without Kubernetes discovery: check the rest with the pods' discovery
        // swapped for a static target, and the repo's health rules beside it.
        var directory = Directory.CreateTempSubdirectory("monitor-k8s-prometheus-").FullName;
        try
        {
            var start = text.IndexOf("    kubernetes_sd_configs:", StringComparison.Ordinal);
            var end = text.IndexOf("    relabel_configs:", StringComparison.Ordinal);
            await File.WriteAllTextAsync(
                Path.Combine(directory, "prometheus.yml"),
                text[..start] + "    static_configs:\n      - targets: [\"monitor:9464\"]\n" + text[end..]);
            File.Copy(Path.Combine(RepoRoot(), "deploy", "prometheus", "monitor-rules.yml"), Path.Combine(directory, "monitor-rules.yml"));
            var (exit, output, error) = await Servers.ToolRun.RunAsync("promtool", directory, [], "check", "config", "prometheus.yml");
            Assert.True(exit == 0, output + error);
            Assert.Contains("SUCCESS", output + error, StringComparison.Ordinal);
        }
        finally
        {
            Monitor.Servers.ServerProcess.TryDeleteDirectory(directory);
        }
    }

    [Fact]
    public void Deployment_RunsThreeNonRootInstances_WithProbesOnTheMetricsPort_AndSecretsFromEnv()
    {
        var deployment = Load(Path.Combine(Manifests, "deployment.yaml"));
        var spec = (YamlMappingNode)deployment["spec"];
        Assert.Equal("3", Scalar(spec, "replicas"));

        var template = (YamlMappingNode)spec["template"];
        AssertScrapeAnnotations((YamlMappingNode)template["metadata"]);
        var pod = (YamlMappingNode)template["spec"];
        Assert.Equal("true", Scalar((YamlMappingNode)pod["securityContext"], "runAsNonRoot"));

        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        var port = (YamlMappingNode)((YamlSequenceNode)container["ports"]).Single();
        Assert.Equal("9464", Scalar(port, "containerPort"));
        var portName = Scalar(port, "name");
        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
        {
            var get = (YamlMappingNode)((YamlMappingNode)container[probe])["httpGet"];
            Assert.Equal(path, Scalar(get, "path"));
            Assert.Equal(portName, Scalar(get, "port"));
        }

        var security = (YamlMappingNode)container["securityContext"];
        Assert.Equal("true", Scalar(security, "readOnlyRootFilesystem"));
        Assert.Equal("false", Scalar(security, "allowPrivilegeEscalation"));
        var resources = (YamlMappingNode)container["resources"];
        Assert.True(resources.Children.ContainsKey("requests") && resources.Children.ContainsKey("limits"));

        var secretRef = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)container["envFrom"]).Single())["secretRef"];
        Assert.Equal(Scalar((YamlMappingNode)Load(Path.Combine(Manifests, "secret.template.yaml"))["metadata"], "name"), Scalar(secretRef, "name"));

        // The config volume lays the files out as monitor.yaml expects them (rules under monitor/).
        var volume = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>().Single(v => v.Children.ContainsKey("configMap"));
        var configMap = (YamlMappingNode)volume["configMap"];
        Assert.Equal(ConfigMapName(), Scalar(configMap, "name"));
        var items = ((YamlSequenceNode)configMap["items"]).Cast<YamlMappingNode>().ToDictionary(i => Scalar(i, "key"), i => Scalar(i, "path"));
        Assert.Equal(new Dictionary<string, string> { ["monitor.yaml"] = "monitor.yaml", ["rules.yaml"] = "monitor/rules.yaml", ["keywords.yaml"] = "keywords.yaml" }, items);
        var mount = ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == Scalar(volume, "name"));
        var args = ((YamlSequenceNode)container["args"]).Select(a => ((YamlScalarNode)a).Value!).ToArray();
        Assert.Equal(["run", "--config", $"{Scalar(mount, "mountPath")}/monitor.yaml"], args);
    }

    [Fact]
    public void Service_SelectsTheDeploymentsPods_AndCarriesScrapeAnnotations()
    {
        var service = Load(Path.Combine(Manifests, "service.yaml"));
        AssertScrapeAnnotations((YamlMappingNode)service["metadata"]);

        var deployment = Load(Path.Combine(Manifests, "deployment.yaml"));
        var podLabels = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["metadata"])["labels"];
        var selector = (YamlMappingNode)((YamlMappingNode)service["spec"])["selector"];
        Assert.All(selector.Children, label => Assert.Equal(label.Value, podLabels[label.Key]));
    }

    [Fact]
    public void ConfigMap_MatchesTheRepoFiles_AndItsSettingsLoadWithRulesAndKeywords()
    {
        var data = (YamlMappingNode)Load(Path.Combine(Manifests, "configmap.yaml"))["data"];
        const string regenerate = "deploy/k8s/configmap.yaml is stale: run deploy/k8s/generate-configmap.sh";
        Assert.True(File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "monitor", "rules.yaml")) == Scalar(data, "rules.yaml"), regenerate);
        Assert.True(File.ReadAllText(Path.Combine(RepoRoot(), "config", "keywords.yaml")) == Scalar(data, "keywords.yaml"), regenerate);
        var settingsText = Scalar(data, "monitor.yaml");
        Assert.True(settingsText == File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "monitor.yaml")) + "keywords:\n  file: keywords.yaml\n", regenerate);

        // Lay the files out as the Deployment mounts them and load them the way `monitor check` does.
        var dir = Directory.CreateTempSubdirectory("monitor-k8s-config-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "monitor"));
            File.WriteAllText(Path.Combine(dir.FullName, "monitor.yaml"), settingsText);
            File.WriteAllText(Path.Combine(dir.FullName, "monitor", "rules.yaml"), Scalar(data, "rules.yaml"));
            File.WriteAllText(Path.Combine(dir.FullName, "keywords.yaml"), Scalar(data, "keywords.yaml"));

            var environment = DeploymentEnvironment();
            var (settings, errors) = SettingsLoader.Load(Path.Combine(dir.FullName, "monitor.yaml"), name => environment.GetValueOrDefault(name));
            Assert.Empty(errors);
            Assert.Equal(environment["MONITOR_KAFKA_BOOTSTRAP_SERVERS"], settings.KafkaBootstrapServers);
            Assert.Equal(new Uri(environment["MONITOR_INFLUX_URL"]), settings.Influx!.Url);
            Assert.Equal(new Uri(environment["MONITOR_ALERTMANAGER_URL"]), settings.Alerting.AlertmanagerUrl);
            Assert.Equal(Path.Combine(dir.FullName, "monitor", "rules.yaml"), Path.GetFullPath(settings.AlertRulesFile!));
            Assert.Equal(Path.Combine(dir.FullName, "keywords.yaml"), Path.GetFullPath(settings.KeywordsFile!));
            Assert.Equal("http://0.0.0.0:9464", settings.MetricsUrl);

            var (rules, ruleErrors) = AlertRulesLoader.Load(settings.AlertRulesFile!);
            Assert.Empty(ruleErrors);
            Assert.NotEmpty(rules!.Thresholds);
            var (keywords, keywordErrors) = KeywordSetup.Load(settings.KeywordsFile);
            Assert.Empty(keywordErrors);
            Assert.True(keywords!.Current.Count > 0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void EveryManifest_HasTheApiVersionOfItsKind_ANameAndTheNamespace()
    {
        var apiVersions = new Dictionary<string, string>
        {
            ["Namespace"] = "v1",
            ["ConfigMap"] = "v1",
            ["Secret"] = "v1",
            ["Service"] = "v1",
            ["Deployment"] = "apps/v1",
            ["PodDisruptionBudget"] = "policy/v1",
            ["NetworkPolicy"] = "networking.k8s.io/v1",
            ["ServiceMonitor"] = "monitoring.coreos.com/v1",
            ["PrometheusRule"] = "monitoring.coreos.com/v1",
        };
        var files = Directory.GetFiles(Manifests, "*.yaml").Concat(Directory.GetFiles(OperatorManifests, "*.yaml"))
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .ToArray();
        Assert.Equal(9, files.Length);
        foreach (var file in files)
        {
            var manifest = Load(file);
            var kind = Scalar(manifest, "kind");
            Assert.True(apiVersions.TryGetValue(kind, out var apiVersion), $"{file}: unexpected kind {kind}");
            Assert.Equal(apiVersion, Scalar(manifest, "apiVersion"));
            var metadata = (YamlMappingNode)manifest["metadata"];
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Scalar(metadata, "name"));
            if (kind != "Namespace")
            {
                Assert.Equal("service-monitor", Scalar(metadata, "namespace"));
            }
        }
    }

    [Fact]
    public void DisruptionBudget_CoversTheDeploymentsPods_AndLeavesMostOfThemServing()
    {
        var budget = (YamlMappingNode)Load(Path.Combine(Manifests, "pdb.yaml"))["spec"];
        var deployment = (YamlMappingNode)Load(Path.Combine(Manifests, "deployment.yaml"))["spec"];

        Assert.False(budget.Children.ContainsKey("minAvailable"), "a PodDisruptionBudget takes minAvailable or maxUnavailable, not both");
        Assert.Equal("1", Scalar(budget, "maxUnavailable"));
        Assert.True(int.Parse(Scalar(deployment, "replicas")) > 1);
        var podLabels = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["template"])["metadata"])["labels"];
        var selector = (YamlMappingNode)((YamlMappingNode)budget["selector"])["matchLabels"];
        Assert.All(selector.Children, label => Assert.Equal(label.Value, podLabels[label.Key]));
    }

    [Fact]
    public void NetworkPolicy_AdmitsOnlyTheMetricsPort_FromThisNamespaceAndLabelledScrapers()
    {
        var spec = (YamlMappingNode)Load(Path.Combine(Manifests, "networkpolicy.yaml"))["spec"];
        var deployment = (YamlMappingNode)Load(Path.Combine(Manifests, "deployment.yaml"))["spec"];
        var podLabels = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["template"])["metadata"])["labels"];

        var selector = (YamlMappingNode)((YamlMappingNode)spec["podSelector"])["matchLabels"];
        Assert.All(selector.Children, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.Equal(["Ingress"], ((YamlSequenceNode)spec["policyTypes"]).Select(t => ((YamlScalarNode)t).Value));
        var rule = (YamlMappingNode)((YamlSequenceNode)spec["ingress"]).Single();
        var port = (YamlMappingNode)((YamlSequenceNode)rule["ports"]).Single();
        Assert.Equal(("TCP", "9464"), (Scalar(port, "protocol"), Scalar(port, "port")));
        var from = ((YamlSequenceNode)rule["from"]).Cast<YamlMappingNode>().ToArray();
        Assert.Equal(2, from.Length);
        Assert.Empty((YamlMappingNode)from[0]["podSelector"]);
        Assert.Equal("true", Scalar((YamlMappingNode)((YamlMappingNode)from[1]["namespaceSelector"])["matchLabels"], "service-monitor/scrape"));
    }

    [Fact]
    public void OperatorOverlay_ScrapesTheServiceAsJobMonitor_WithTheBaseManifests()
    {
        var resources = ((YamlSequenceNode)Load(Path.Combine(OperatorManifests, "kustomization.yaml"))["resources"]).Select(r => ((YamlScalarNode)r).Value!).ToArray();
        Assert.Equal(["../k8s", "servicemonitor.yaml", "prometheusrule.yaml"], resources);

        var monitor = (YamlMappingNode)Load(Path.Combine(OperatorManifests, "servicemonitor.yaml"))["spec"];
        var service = Load(Path.Combine(Manifests, "service.yaml"));
        var serviceLabels = (YamlMappingNode)((YamlMappingNode)service["metadata"])["labels"];
        var selector = (YamlMappingNode)((YamlMappingNode)monitor["selector"])["matchLabels"];
        Assert.All(selector.Children, label => Assert.Equal(label.Value, serviceLabels[label.Key]));

        // The job label the operator sets is the Service's value of jobLabel: the job the health rules and board expect.
        Assert.Equal("monitor", Scalar(serviceLabels, Scalar(monitor, "jobLabel")));
        var servicePorts = ((YamlSequenceNode)((YamlMappingNode)service["spec"])["ports"]).Cast<YamlMappingNode>().Select(p => Scalar(p, "name")).ToArray();
        var endpoint = (YamlMappingNode)((YamlSequenceNode)monitor["endpoints"]).Single();
        Assert.Contains(Scalar(endpoint, "port"), servicePorts);
        Assert.Equal("/metrics", Scalar(endpoint, "path"));
        var rules = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "prometheus", "monitor-rules.yml"));
        Assert.Contains("up{job=\"monitor\"}", rules);
    }

    [Fact]
    public async Task PrometheusRule_CarriesTheHealthRulesOfThePrometheusDirectory_AndPassesPromtool()
    {
        var manifest = Load(Path.Combine(OperatorManifests, "prometheusrule.yaml"));
        Assert.Equal("PrometheusRule", Scalar(manifest, "kind"));

        // spec is monitor-rules.yml without its comments, indented by two.
        var text = File.ReadAllText(Path.Combine(OperatorManifests, "prometheusrule.yaml"));
        var spec = string.Concat(text[(text.IndexOf("\nspec:\n", StringComparison.Ordinal) + "\nspec:\n".Length)..]
            .Split('\n').Select(line => (line.StartsWith("  ", StringComparison.Ordinal) ? line[2..] : line) + "\n"))
            .TrimEnd('\n') + "\n";
        var source = string.Concat(File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "prometheus", "monitor-rules.yml"))
            .Where(line => !line.StartsWith('#')).Select(line => line + "\n"));
        Assert.True(source == spec, "deploy/k8s-prometheus-operator/prometheusrule.yaml is stale: run deploy/k8s/generate-configmap.sh");

        var directory = Directory.CreateTempSubdirectory("monitor-prometheusrule-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "rules.yml"), spec);
            var check = await RunToolAsync("promtool", directory, "check", "rules", "rules.yml");
            Assert.True(check.ExitCode == 0, check.Output);
            Assert.Contains("SUCCESS: 13 rules found", check.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The container's literal env values (the Secret's are empty placeholders).</summary>
    private static Dictionary<string, string> DeploymentEnvironment()
    {
        var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)Load(Path.Combine(Manifests, "deployment.yaml"))["spec"])["template"])["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        return ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => Scalar(e, "value"));
    }

    private static string ConfigMapName() =>
        Scalar((YamlMappingNode)Load(Path.Combine(Manifests, "configmap.yaml"))["metadata"], "name");

    private static void AssertScrapeAnnotations(YamlMappingNode metadata)
    {
        var annotations = (YamlMappingNode)metadata["annotations"];
        Assert.Equal("true", Scalar(annotations, "prometheus.io/scrape"));
        Assert.Equal("9464", Scalar(annotations, "prometheus.io/port"));
        Assert.Equal("/metrics", Scalar(annotations, "prometheus.io/path"));
    }
}
