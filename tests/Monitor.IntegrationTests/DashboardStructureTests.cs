using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Monitor.IntegrationTests;

/// <summary>
/// What every provisioned dashboard (InfluxDB and Prometheus alike) must have: a unique stable uid
/// and no numeric id, a <c>datasource</c> variable whose default is a datasource provisioned with that
/// uid and type, and on every panel a title, a description, a unit, thresholds and <c>${datasource}</c>.
/// Whether the queries answer is proven elsewhere: InfluxDB boards in <see cref="ScenarioReplayTests"/>,
/// the Prometheus board in <see cref="MonitorHealthDashboardTests"/>.
/// </summary>
public sealed class DashboardStructureTests
{
    [Fact]
    public void EveryDashboard_HasAUniqueUid_AndAProvisionedDatasourceVariable()
    {
        var provisioned = ProvisionedDatasources();
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in DashboardFiles())
        {
            var name = Path.GetFileName(file);
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            var root = dashboard.RootElement;
            Assert.False(root.TryGetProperty("id", out _), $"{name}: a provisioned dashboard has a stable uid, no numeric id");
            var uid = root.GetProperty("uid").GetString();
            Assert.False(string.IsNullOrEmpty(uid), $"{name} has no uid");
            Assert.True(uids.Add(uid!), $"{name}: uid {uid} is used twice");
            Assert.Equal(39, root.GetProperty("schemaVersion").GetInt32());
            Assert.False(root.GetProperty("editable").GetBoolean(), $"{name}: the repository is the source of truth, not the UI");

            var variable = Variables(root).Single(v => v.GetProperty("name").GetString() == "datasource");
            Assert.Equal("datasource", variable.GetProperty("type").GetString());
            var type = variable.GetProperty("query").GetString()!;
            var defaultUid = variable.GetProperty("current").GetProperty("value").GetString()!;
            Assert.True(provisioned.TryGetValue(defaultUid, out var provisionedType), $"{name}: default datasource {defaultUid} is not provisioned");
            Assert.Equal(provisionedType, type);
        }

        Assert.Contains("service-monitor-health", uids);
    }

    [Fact]
    public void EveryPanel_HasADescription_AUnit_Thresholds_AndTheDatasourceVariable()
    {
        foreach (var file in DashboardFiles())
        {
            var name = Path.GetFileName(file);
            var type = DatasourceType(file);
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            var panelIds = new HashSet<int>();
            foreach (var panel in Panels(dashboard.RootElement))
            {
                var title = panel.GetProperty("title").GetString()!;
                Assert.False(string.IsNullOrWhiteSpace(title), $"{name}: a panel without a title");
                Assert.True(panelIds.Add(panel.GetProperty("id").GetInt32()), $"{name}: panel id of '{title}' is used twice");
                Assert.True(panel.TryGetProperty("description", out var description) && description.GetString()!.Length > 20, $"{name} '{title}' needs a description");
                var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
                Assert.True(defaults.TryGetProperty("unit", out _), $"{name} '{title}' needs a unit");
                Assert.True(defaults.TryGetProperty("thresholds", out var thresholds) && thresholds.GetProperty("steps").GetArrayLength() > 1, $"{name} '{title}' needs thresholds");
                Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.Equal(type, panel.GetProperty("datasource").GetProperty("type").GetString());
                Assert.NotEqual(0, panel.GetProperty("targets").GetArrayLength());
            }
        }
    }

    internal static string[] DashboardFiles()
    {
        var files = Directory.GetFiles(Path.Combine(DeployArtifactTests.RepoRoot(), "dashboards"), "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The type of the dashboard's <c>datasource</c> variable: <c>influxdb</c> or <c>prometheus</c>.</summary>
    internal static string DatasourceType(string file)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
        return Variables(dashboard.RootElement).Single(v => v.GetProperty("name").GetString() == "datasource").GetProperty("query").GetString()!;
    }

    /// <summary>Panels with queries, rows' nested panels included.</summary>
    internal static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            if (panel.TryGetProperty("targets", out _))
            {
                yield return panel.Clone();
            }

            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner.Clone();
                }
            }
        }
    }

    [Fact]
    public void HealthBoard_SelectsTheScrapeJobByAVariable_DefaultMonitor_NeverByAHardCodedName()
    {
        var text = File.ReadAllText(Path.Combine(DeployArtifactTests.RepoRoot(), "dashboards", "monitor-health.json"));
        using var dashboard = JsonDocument.Parse(text);

        var job = Variables(dashboard.RootElement).Single(v => v.GetProperty("name").GetString() == "job");
        Assert.Equal("query", job.GetProperty("type").GetString());
        Assert.Equal("monitor", job.GetProperty("current").GetProperty("value").GetString());
        Assert.StartsWith("label_values(monitor_", job.GetProperty("query").GetProperty("query").GetString());
        var instance = Variables(dashboard.RootElement).Single(v => v.GetProperty("name").GetString() == "instance");
        Assert.Contains("job=\"$job\"", instance.GetProperty("query").GetProperty("query").GetString());
        var exprs = Panels(dashboard.RootElement).SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToArray();
        Assert.NotEmpty(exprs);
        Assert.All(exprs, expr => Assert.Contains("job=\"$job\"", expr));
        Assert.DoesNotContain("job=\\\"monitor\\\"", text);
    }

    private static IEnumerable<JsonElement> Variables(JsonElement dashboard) =>
        dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.Clone()).ToArray();

    /// <summary>uid → type of every datasource in deploy/grafana/provisioning/datasources.</summary>
    private static Dictionary<string, string> ProvisionedDatasources()
    {
        var root = DeployArtifactTests.Load(Path.Combine(DeployArtifactTests.RepoRoot(), "deploy", "grafana", "provisioning", "datasources", "datasources.yml"));
        return ((YamlSequenceNode)root["datasources"]).Cast<YamlMappingNode>()
            .ToDictionary(d => DeployArtifactTests.Scalar(d, "uid"), d => DeployArtifactTests.Scalar(d, "type"), StringComparer.Ordinal);
    }
}
