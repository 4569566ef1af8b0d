using System.CommandLine;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Hosting;
using Monitor.Keywords;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary><c>monitor run</c>: production mode against an external Kafka and InfluxDB from the settings file and the environment.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Settings file", DefaultValueFactory = _ => new FileInfo("monitor.yaml") };
        var command = new Command("run", "Run the pipeline against an external Kafka and InfluxDB (settings file + environment).") { config };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(config)!.FullName;
            var (settings, errors) = SettingsLoader.Load(path);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error);
                }

                return 1;
            }

            var (keywords, keywordErrors) = KeywordSetup.Load(settings.KeywordsFile);
            if (keywords is null)
            {
                keywordErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                return 1;
            }

            AlertRuleSet? rules = null;
            if (settings.AlertRulesFile is { } rulesFile)
            {
                var (loaded, ruleErrors) = AlertRulesLoader.Load(rulesFile, settings.Alerting.RunbookBaseUrl);
                if (loaded is null)
                {
                    ruleErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                    return 1;
                }

                rules = loaded;
            }

            var options = new LiveOptions
            {
                Kafka = settings.ToKafkaSource(),
                Engine = settings.Engine with { Keywords = keywords },
                Influx = settings.Influx,
                MetricsUrl = settings.MetricsUrl,
                AlertRules = rules,
                Alerting = settings.Alerting,
                EarlyAlerts = settings.EarlyAlerts,
                LookBack = settings.LookBack,
                MaxFutureSkew = settings.MaxFuture,
                MaxAge = settings.MaxAge,
                LogFormat = settings.LogFormat,
                LogLevel = settings.LogLevel,
            };
            var app = LiveHost.Build(options, HostClocks.System);

            // Edits to the keyword file take effect without a restart; a bad edit keeps the old dictionary.
            using var watcher = new KeywordDictionaryWatcher(
                settings.KeywordsFile ?? KeywordSetup.DefaultFile,
                keywords,
                TimeProvider.System,
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Keywords"));
            // Through the logger, so that with logging.format json every stdout line is one JSON object.
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Monitor").LogInformation(
                "Serving {MetricsUrl}/metrics, /healthz, /readyz, /api/alerts; InfluxDB: {Influx}; alerts: {Rules} rules, Alertmanager {Alertmanager}, {Webhooks} webhook(s), receivers: {Receivers}",
                options.MetricsUrl,
                options.Influx is null ? "off" : AlertingOptions.Show(options.Influx.Url),
                rules?.Count ?? 0,
                options.Alerting.AlertmanagerUrl is { } am ? AlertingOptions.Show(am) : "off",
                options.Alerting.WebhookUrls.Count,
                options.Alerting.Receivers.Count == 0 ? "none" : string.Join(", ", options.Alerting.Receivers.Select(r => $"{r.Name} ({r.Type})")));

            // Resolved before RunAsync, which disposes the host when it returns.
            var worker = app.Services.GetRequiredService<MonitorWorker>();
            try
            {
                await app.RunAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"run: cannot serve {options.MetricsUrl}: {ex.Message} (set metrics.listen to a free address)");
                return 1;
            }

            return worker.Failure is null ? 0 : 1;
        });
        return command;
    }
}
