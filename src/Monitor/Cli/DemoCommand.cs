using System.CommandLine;
using Confluent.Kafka;
using Monitor.Alerting;
using Monitor.Core.Metrics;
using Monitor.Hosting;
using Monitor.Influx;
using Monitor.Kafka;
using Monitor.Keywords;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Simulation;
using Spectre.Console;

namespace Monitor.Cli;

/// <summary>
/// <c>monitor demo</c>: embedded broker + simulator + pipeline + /metrics (+ InfluxDB with
/// --influx) and a live board. No set-up, no servers to install.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var duration = CliOptions.Duration("--duration", "Stop after this long (real time), e.g. 2m; default: until Ctrl+C");
        var speed = new Option<double>("--speed") { Description = "Scenario seconds per real second", DefaultValueFactory = _ => 10 };
        var scenario = new Option<string>("--scenario") { Description = "double11 (evening surge from 21:50 China time) or now (starts at the current time)", DefaultValueFactory = _ => "double11" };
        var rate = new Option<double>("--rate") { Description = "Mean events per scenario second before the surge", DefaultValueFactory = _ => 100 };
        var shops = new Option<int>("--shops") { Description = "Number of shops", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        var influx = CliOptions.Url("--influx", "InfluxDB base URL, e.g. http://127.0.0.1:8086 (default: the settings' influx.url or MONITOR_INFLUX_URL; v1: the database is created when missing)");
        var database = CliOptions.InfluxDatabase();
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Settings file (monitor.yaml) whose influx and alerting sections (with their credentials, as run reads them) the demo uses; its Kafka, pipeline and shops stay the demo's own",
        };
        var rulesFile = new Option<FileInfo?>("--rules") { Description = "Alert rule file (default: the settings' alerting.rules, else the shipped war-room rules, deploy/monitor/rules.yaml)" };
        var alertmanager = CliOptions.Url("--alertmanager", "Alertmanager base URL to send alerts to, e.g. http://127.0.0.1:9093");
        var metricsUrl = new Option<string>("--metrics-url") { Description = "Where to serve /metrics", DefaultValueFactory = _ => "http://127.0.0.1:9464" };
        var command = new Command("demo", "Run everything on embedded defaults: Kafka broker, Double-11 simulator, pipeline, /metrics and a live board.")
        {
            duration, speed, scenario, rate, shops, seed, influx, database, config, rulesFile, alertmanager, metricsUrl,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var speedValue = result.GetValue(speed);
            if (speedValue is <= 0 or > 10_000)
            {
                Console.Error.WriteLine("demo: --speed must be between 0 (exclusive) and 10000");
                return 2;
            }

            if (CliOptions.CheckScenario(result.GetValue(shops), result.GetValue(rate)) is { } problem)
            {
                Console.Error.WriteLine($"demo: {problem}");
                return 2;
            }

            var start = result.GetValue(scenario) switch
            {
                "double11" => Double11EveningStart(DateTimeOffset.UtcNow),
                "now" => DateTimeOffset.UtcNow,
                var other => (DateTimeOffset?)null,
            };
            if (start is null)
            {
                Console.Error.WriteLine($"demo: unknown --scenario '{result.GetValue(scenario)}' (double11 or now)");
                return 2;
            }

            if (CliOptions.LoadSettings(result, config) is not { } settings)
            {
                return 2;
            }

            var (keywords, keywordErrors) = KeywordSetup.Load(null);
            if (keywords is null)
            {
                keywordErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                return 1;
            }

            var (rules, ruleErrors) = AlertRulesLoader.Load(result.GetValue(rulesFile)?.FullName ?? settings.AlertRulesFile ?? AlertRulesLoader.DefaultFile, settings.Alerting.RunbookBaseUrl);
            if (rules is null)
            {
                ruleErrors.ToList().ForEach(e => Console.Error.WriteLine(e));
                return 1;
            }

            using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, partitions: 4);
            var clock = new ScenarioClock(start.Value, speedValue, TimeSpan.FromSeconds(2));
            var options = new LiveOptions
            {
                Kafka = new KafkaSourceOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "monitor-demo", BrokerHasTimeIndex = false },
                Engine = new EngineOptions
                {
                    Keywords = keywords,

                    // The simulator's agents each clear about one chat a minute: with the production
                    // defaults (0.5) every shop would sit at level 4 before the surge even starts.
                    Crisis = new CrisisOptions
                    {
                        ThroughputPerAgentPerMinute = new Dictionary<string, double> { ["chat"] = 1.0, ["social"] = 1.0, ["email"] = 0.5, ["call"] = 0.5 },
                    },
                },
                Influx = CliOptions.Influx(result, influx, database, settings),
                MetricsUrl = result.GetValue(metricsUrl)!,

                // The scenario clock trails the simulator by 2 s of real time (events in flight are
                // not late), which is 2 s × speed of event time ahead of it.
                MaxFutureSkew = new EngineOptions().AllowedLateness + TimeSpan.FromSeconds(3 * speedValue),
                AlertRules = rules,
                Alerting = result.GetValue(alertmanager) is { } alertmanagerUrl ? settings.Alerting with { AlertmanagerUrl = alertmanagerUrl } : settings.Alerting,
            };
            if (options.Influx is { } influxOptions && await InfluxDatabase.EnsureAsync(influxOptions, cancellationToken) is { } influxProblem)
            {
                Console.Error.WriteLine($"demo: {influxProblem} (start InfluxDB 1.x, or leave out --influx)");
                return 1;
            }

            // The host's log goes onto the board (console lines would tear its live table).
            var boardLog = new BoardLog(settings.LogLevel ?? LogLevel.Warning);
            var board = new ShopBoard();
            var app = LiveHost.Build(options, HostClocks.WithEvents(clock), board, logging => logging
                .AddProvider(boardLog)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning) // request lines carry full URLs
                .SetMinimumLevel(boardLog.Minimum));
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"demo: cannot serve {options.MetricsUrl}: {ex.Message} (use --metrics-url http://127.0.0.1:<free port>)");
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                return 1;
            }

            Console.WriteLine($"Service Monitor demo — scenario {result.GetValue(scenario)} from {start.Value.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm} CST at {speedValue}x");
            Console.WriteLine($"  bootstrap.servers={cluster.BootstrapServers}   (produce more with kcat -P -b {cluster.BootstrapServers} -t chats -k <shopId>)");
            Console.WriteLine($"  metrics:  {options.MetricsUrl}/metrics   health: {options.MetricsUrl}/healthz   ready: {options.MetricsUrl}/readyz");
            Console.WriteLine($"  alerts:   {rules.Count} rules, {options.MetricsUrl}/api/alerts, Alertmanager {(options.Alerting.AlertmanagerUrl is { } am ? AlertingOptions.Show(am) : "off (add --alertmanager http://127.0.0.1:9093)")}");
            Console.WriteLine($"  influxdb: {(options.Influx is null ? "off (add --influx http://127.0.0.1:8086)" : options.Influx.Url + " database " + options.Influx.Database)}");

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
            var run = new DemoBoard.RunInfo(TimeProvider.System, TimeProvider.System.GetTimestamp(), result.GetValue(duration), boardLog);
            if (run.Limit is { } limit)
            {
                stop.CancelAfter(limit);
            }

            // The simulator's own librdkafka lines go onto the board too, not through it on stderr.
            var simulatorLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("simulator");
            var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
            {
                BootstrapServers = cluster.BootstrapServers,
                LingerMs = 5,
                CompressionType = CompressionType.None,
            })
                .SetLogHandler((_, log) => simulatorLog.Log(
                    log.Level <= SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug, "librdkafka {Facility}: {Message}", log.Facility, log.Message))
                .SetErrorHandler((_, error) => simulatorLog.LogWarning("Kafka: {Reason} ({Code})", error.Reason, error.Code))
                .Build();
            var simulation = new SimulationOptions
            {
                Seed = result.GetValue(seed),
                Shops = result.GetValue(shops),
                Start = start.Value,
                EventsPerSecond = result.GetValue(rate),
            };
            clock.Begin(); // the scenario's time runs from the simulator's first event, not from the host's start-up
            var publishing = Task.Run(
                () => SimulationPublisher.PublishAsync(new Double11Scenario().Generate(simulation), producer, speedValue, TimeProvider.System, null, stop.Token),
                CancellationToken.None);

            var metrics = app.Services.GetRequiredService<MonitorMetrics>();
            await DemoBoard.RunAsync(board, metrics, app.Services.GetRequiredService<AlertDispatcher>(), clock, run, stop.Token);

            try
            {
                await publishing;
            }
            catch (OperationCanceledException)
            {
            }

            producer.Dispose();
            await app.StopAsync(CancellationToken.None);
            var failed = app.Services.GetRequiredService<MonitorWorker>().Failure is not null;
            Console.WriteLine($"demo: stopped after {DemoBoard.Consumed(metrics):N0} events consumed in {ProgressText.Duration(run.Elapsed, roundUp: false)}");
            if (boardLog.Warnings + boardLog.Errors > 0)
            {
                Console.Error.WriteLine($"demo: {boardLog.Warnings:N0} warnings and {boardLog.Errors:N0} errors while it ran; the latest:");
                foreach (var entry in boardLog.Latest)
                {
                    Console.Error.WriteLine($"  {entry.At.ToLocalTime():HH:mm:ss} {DemoBoard.Label(entry.Level)} {entry.Category}: {entry.Message}");
                }
            }

            // Release the host's Kafka clients before the embedded broker goes away.
            await app.DisposeAsync();
            return failed ? 1 : 0;
        });
        return command;
    }

    /// <summary>The most recent 21:50 China Standard Time at or before <paramref name="now"/>, ten minutes before the evening surge.</summary>
    internal static DateTimeOffset Double11EveningStart(DateTimeOffset now)
    {
        var china = now.ToOffset(TimeSpan.FromHours(8));
        var start = new DateTimeOffset(china.Year, china.Month, china.Day, 21, 50, 0, TimeSpan.FromHours(8));
        return (start > china ? start.AddDays(-1) : start).ToUniversalTime();
    }
}
