using Monitor.Alerting;
using Monitor.Settings;

namespace Monitor.Tests.Alerting;

/// <summary>A notification's runbook_url opens on a phone: repo-relative runbooks resolve against the base URL.</summary>
public sealed class RunbookLinksTests
{
    [Theory]
    [InlineData("docs/runbook.md#chatoldestwaithigh", "https://wiki.example.test/sm/", "https://wiki.example.test/sm/docs/runbook.md#chatoldestwaithigh")]
    [InlineData("docs/runbook.md#chatoldestwaithigh", "https://wiki.example.test/sm", "https://wiki.example.test/sm/docs/runbook.md#chatoldestwaithigh")]
    [InlineData("/docs/runbook.md#x", "https://git.example.test/cs/monitor/-/blob/main/", "https://git.example.test/cs/monitor/-/blob/main/docs/runbook.md#x")]
    [InlineData("https://ops.example.test/runbooks/refunds", "https://wiki.example.test/sm/", "https://ops.example.test/runbooks/refunds")]
    public void Resolve_JoinsRelativeRunbooksToTheBase_AndKeepsAbsoluteOnes(string runbook, string baseUrl, string expected) =>
        Assert.Equal(expected, RunbookLinks.Resolve(runbook, new Uri(baseUrl)));

    [Fact]
    public void ShippedRules_LoadedWithABase_LinkEveryRuleToItsRunbookSection_UnderThatBase()
    {
        var baseUrl = new Uri("https://wiki.example.test/service-monitor/");

        var (rules, errors) = AlertRulesLoader.Load(Support.RepoFiles.Path("deploy", "monitor", "rules.yaml"), baseUrl);

        Assert.Empty(errors);
        var links = rules!.Thresholds.Select(r => (r.Name, r.Text.RunbookUrl)).Concat(rules.Timers.Select(t => (t.Name, t.Text.RunbookUrl))).ToArray();
        Assert.Equal(16, links.Length);
        Assert.All(links, link => Assert.Equal($"https://wiki.example.test/service-monitor/docs/runbook.md#{link.Name.ToLowerInvariant()}", link.RunbookUrl));
    }

    [Fact]
    public void BaseUrl_ComesFromTheSettingsFile_OrTheEnvironment_AndDefaultsToTheRepository()
    {
        var path = Path.Combine(Path.GetTempPath(), $"monitor-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, "alerting:\n  runbookBaseUrl: https://wiki.example.test/sm/\n");
            var (fromFile, errors) = SettingsLoader.Load(path, _ => null);
            var (fromEnvironment, _) = SettingsLoader.Load(path, name => name == "MONITOR_RUNBOOK_BASE_URL" ? "https://mirror.example.test/" : null);
            var (defaults, _) = SettingsLoader.Load(null, _ => null);
            File.WriteAllText(path, "alerting:\n  runbookBaseUrl: docs/\n");
            var (_, bad) = SettingsLoader.Load(path, _ => null);

            Assert.Empty(errors);
            Assert.Equal(new Uri("https://wiki.example.test/sm/"), fromFile.Alerting.RunbookBaseUrl);
            Assert.Equal(new Uri("https://mirror.example.test/"), fromEnvironment.Alerting.RunbookBaseUrl);
            Assert.Equal(RunbookLinks.DefaultBase, defaults.Alerting.RunbookBaseUrl);
            Assert.Contains(bad, e => e.Message.Contains("alerting.runbookBaseUrl must be an http(s) URL") && e.Line == 2);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
