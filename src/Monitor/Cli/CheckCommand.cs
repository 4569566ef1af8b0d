using System.CommandLine;
using Monitor.Alerting;
using Monitor.Keywords;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary>
/// <c>monitor check</c>: validates the configuration file, the keyword dictionary it names and,
/// with <c>--rules</c>, an alert rule file; lists every problem with file:line:column.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Settings file", DefaultValueFactory = _ => new FileInfo("monitor.yaml") };
        var rules = new Option<string?>("--rules") { Description = "Alert rule file to validate as well (docs/alerts.md), e.g. deploy/monitor/rules.yaml; default: the settings' alerting.rules" };
        var command = new Command("check", "Validate the settings file, the keyword dictionary it names and an alert rule file; exit 1 with every problem listed.") { config, rules };
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var path = result.GetValue(config)!.FullName;
            var (settings, settingsErrors) = SettingsLoader.Load(path);
            var keywordsFile = settings.KeywordsFile ?? KeywordSetup.DefaultFile;
            var (keywords, keywordErrors) = KeywordSetup.Load(settings.KeywordsFile);
            var rulesFile = result.GetValue(rules) ?? settings.AlertRulesFile;
            var (ruleSet, ruleErrors) = rulesFile is null ? (null, []) : AlertRulesLoader.Load(rulesFile);
            var errors = settingsErrors.Concat(keywordErrors).Concat(ruleErrors).ToArray();
            if (errors.Length > 0)
            {
                var error = result.InvocationConfiguration.Error;
                foreach (var problem in errors)
                {
                    error.WriteLine(problem);
                }

                var files = rulesFile is null ? $"{path} and {keywordsFile}" : $"{path}, {keywordsFile} and {rulesFile}";
                error.WriteLine($"{errors.Length} problem(s) in {files}");
                return 1;
            }

            output.WriteLine($"{path}: ok (kafka {settings.KafkaBootstrapServers}, influx {(settings.Influx is { } influx ? $"{influx.Url} ({influx.Api})" : "off")}, alertmanager {(settings.Alerting.AlertmanagerUrl is { } am ? AlertingOptions.Show(am) : "off")}, {settings.Alerting.WebhookUrls.Count} webhook(s), {settings.Alerting.Receivers.Count} receiver(s), step {settings.Engine.Step.TotalSeconds}s, {settings.Engine.Shops.Count} shop override(s)); {keywordsFile}: ok ({keywords!.Current.Count} keywords)");
            if (ruleSet is not null)
            {
                output.WriteLine($"{rulesFile}: ok ({Count(ruleSet.Thresholds.Count, "rule")}, {Count(ruleSet.Timers.Count, "timer")})");
            }

            return 0;
        });
        return command;
    }

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
