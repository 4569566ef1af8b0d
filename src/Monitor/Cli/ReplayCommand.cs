using System.CommandLine;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Influx;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Keywords;
using Monitor.Replay;
using Monitor.Settings;
using Prometheus;

namespace Monitor.Cli;

/// <summary><c>monitor replay</c>: JSONL files through the pipeline in pure event time, to InfluxDB and/or a line-protocol file.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input", "-i") { Description = "JSONL files (one event per line)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write points as InfluxDB line protocol to this file" };
        var influx = CliOptions.Url("--influx", "InfluxDB base URL to write to, e.g. http://127.0.0.1:8086 (default: the settings' influx.url or MONITOR_INFLUX_URL; v1: the database is created when missing)");
        var database = CliOptions.InfluxDatabase();
        var deadLetter = new Option<FileInfo?>("--dead-letter") { Description = "Append rejected lines to this file" };
        var config = new Option<FileInfo?>("--config") { Description = "Settings file (monitor.yaml): pipeline, shops, crisis, keywords, alerting.rules and the influx section with its credentials, as run reads them; --step/--window/--lateness/--influx/--database override it" };
        var rulesFile = new Option<FileInfo?>("--rules") { Description = "Alert rule file to evaluate (default: the settings' alerting.rules); prints the alert history the rules would have produced" };
        var keywordsFile = new Option<FileInfo?>("--keywords") { Description = "Complaint keyword dictionary (default: the settings' keywords.file, else the shipped config/keywords.yaml)" };
        var notAfter = new Option<DateTimeOffset?>("--not-after")
        {
            Description = "Reject events later than this (RFC 3339) as future_timestamp; default: the wall clock at start + pipeline.maxFuture (the lateness), as live mode does",
        };
        var step = CliOptions.Step();
        var window = CliOptions.Window();
        var lateness = CliOptions.Lateness();
        var command = new Command("replay", "Replay JSONL events through the pipeline in event time; exits after flushing the last windows.")
        {
            input, output, influx, database, deadLetter, config, rulesFile, keywordsFile, notAfter, step, window, lateness,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var files = result.GetValue(input)!;
            foreach (var file in files)
            {
                if (!File.Exists(file))
                {
                    Console.Error.WriteLine($"replay: input file not found: {file}");
                    return 2;
                }
            }

            if (CliOptions.LoadSettings(result, config) is not { } settings)
            {
                return 2;
            }

            var influxOptions = CliOptions.Influx(result, influx, database, settings);
            if (result.GetValue(output) is null && influxOptions is null && result.GetValue(rulesFile) is null && settings.AlertRulesFile is null)
            {
                Console.Error.WriteLine("replay: give --out FILE, --influx URL (or an influx section in --config) and/or --rules FILE, or nothing would be kept");
                return 2;
            }

            var (keywords, keywordErrors) = KeywordSetup.Load(result.GetValue(keywordsFile)?.FullName ?? settings.KeywordsFile);
            if (keywords is null)
            {
                keywordErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                return 2;
            }

            AlertRuleSet? rules = null;
            if ((result.GetValue(rulesFile)?.FullName ?? settings.AlertRulesFile) is { } rulesPath)
            {
                var (loadedRules, ruleErrors) = AlertRulesLoader.Load(rulesPath, settings.Alerting.RunbookBaseUrl);
                if (loadedRules is null)
                {
                    ruleErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                    return 2;
                }

                rules = loadedRules;
            }

            EngineOptions engine;
            try
            {
                engine = settings.Engine with
                {
                    Step = Explicit(result, step) ?? settings.Engine.Step,
                    ConversationWindow = Explicit(result, window) ?? settings.Engine.ConversationWindow,
                    AllowedLateness = Explicit(result, lateness) ?? settings.Engine.AllowedLateness,
                    Keywords = keywords,
                };
                engine.Validate();
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine($"replay: {ex.Message}");
                return 2;
            }

            var status = StatusLine.ForConsole();
            using var logging = MonitorCommands.Logging(status.Above(Console.Error));
            var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
            if (influxOptions is not null)
            {
                // Replay has no live clock to keep: wait for room instead of dropping points.
                influxOptions.BufferFullMode = BufferFullMode.Wait;
                if (await InfluxDatabase.EnsureAsync(influxOptions, cancellationToken) is { } influxProblem)
                {
                    Console.Error.WriteLine($"replay: {influxProblem}");
                    return 1;
                }
            }

            var sinks = new List<IPointSink>();
            if (result.GetValue(output) is { } outFile)
            {
                sinks.Add(new LineProtocolFileSink(outFile.FullName));
            }

            using var http = new HttpClient();
            if (influxOptions is not null)
            {
                sinks.Add(new InfluxWriter(influxOptions, http, metrics, TimeProvider.System, logging.CreateLogger<InfluxWriter>()));
            }

            using var deadLetters = new FileDeadLetterSink(result.GetValue(deadLetter)?.FullName, logging.CreateLogger("replay"));
            var router = new PointRouter(metrics, sinks);
            var history = rules is null ? null : new AlertHistoryWriter(status.Above(Console.Out));
            var noise = rules is null ? null : new NoiseReport(settings.Alerting.InhibitBy.Count == 0 ? null : new ShopInhibition(settings.Alerting.InhibitBy));
            var runner = new ReplayRunner(engine, metrics, router, deadLetters)
            {
                AlertRules = rules,
                AlertChanged = history is null ? null : change =>
                {
                    history.Write(change);
                    noise!.Add(change);
                },
                NotAfter = result.GetValue(notAfter) ?? DateTimeOffset.UtcNow + (settings.MaxFuture ?? engine.AllowedLateness),
                MaxAge = settings.MaxAge,
            };
            var progress = new SyncProgress<ReplayProgress>(p => status.Show(ProgressText.Format(p), p.Elapsed, final: p.Done));
            ReplaySummary summary;
            try
            {
                summary = await Task.Run(() => runner.Run(files, progress, cancellationToken), cancellationToken);
            }
            finally
            {
                foreach (var sink in sinks)
                {
                    await sink.DisposeAsync();
                }
            }

            Console.WriteLine(
                $"replay: {summary.Lines:N0} lines, {summary.Accepted:N0} events applied, {summary.Invalid:N0} invalid, " +
                $"{summary.Duplicates:N0} duplicates, {summary.Late:N0} late, {summary.Points:N0} points in {summary.Elapsed.TotalSeconds:N1} s" +
                (rules is null ? "" : $", {summary.AlertChanges:N0} alert changes"));
            history?.WriteSummary();
            noise?.Write(Console.Out, summary.Shops, summary.FirstEventMs, summary.LastEventMs);
            var failed = metrics.InfluxPointsFailed.Value + metrics.InfluxPointsDropped.Value;
            if (failed > 0)
            {
                Console.Error.WriteLine($"replay: {failed:N0} points could not be written to InfluxDB");
                return 1;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The option's value when given on the command line, else null (so the settings file applies).</summary>
    private static TimeSpan? Explicit(ParseResult result, Option<TimeSpan> option) =>
        result.GetResult(option) is { Implicit: false } ? result.GetValue(option) : null;
}
