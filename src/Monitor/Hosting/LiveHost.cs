using Confluent.Kafka;
using Monitor.Alerting;
using Monitor.Http;
using Monitor.Influx;
using Monitor.Kafka;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Prometheus;

namespace Monitor.Hosting;

/// <summary>Builds the live host: pipeline worker, sinks, /metrics, /healthz, /readyz. All registrations live here.</summary>
public static class LiveHost
{
    /// <param name="sinks">
    /// Point sinks besides InfluxDB (a file, a test's capture); the host owns them and disposes
    /// them when it stops, after the InfluxDB writer's flush.
    /// </param>
    public static WebApplication Build(LiveOptions options, HostClocks clocks, ShopBoard? board = null, Action<ILoggingBuilder>? logging = null, IEnumerable<IPointSink>? sinks = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.MetricsUrl);
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            if (options.LogFormat == LogFormat.Json)
            {
                builder.Logging.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                    o.IncludeScopes = false;
                });
            }
            else
            {
                builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            }

            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning); // a line per InfluxDB write otherwise
            if (options.LogLevel is { } level)
            {
                builder.Logging.SetMinimumLevel(level); // e.g. Debug: librdkafka's own log lines too
            }
        }
        else
        {
            logging(builder.Logging);
        }

        var registry = Metrics.NewCustomRegistry();
        var metrics = new MonitorMetrics(registry);
        metrics.PublishZeros(options.Kafka.Topics, options.AlertRules);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(clocks);
        services.AddSingleton(metrics);
        services.AddSingleton<ConsumerHealth>();
        services.AddSingleton(board ?? new ShopBoard());
        services.AddHttpClient();

        if (options.Influx is { } influx)
        {
            services.AddSingleton(sp => new InfluxWriter(
                influx,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient("influx"),
                metrics,
                clocks.Processing,
                sp.GetRequiredService<ILogger<InfluxWriter>>()));
            services.AddSingleton<IPointSink>(sp => sp.GetRequiredService<InfluxWriter>());
        }

        foreach (var sink in sinks ?? [])
        {
            services.AddSingleton(sink);
        }

        services.AddSingleton(sp => new AlertDispatcher(
            AlertSinks.Create(
                options.Alerting,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient("alerts"),
                clocks.Processing,
                metrics,
                sp.GetRequiredService<ILoggerFactory>()),
            metrics,
            sp.GetRequiredService<ILogger<AlertDispatcher>>(),
            inhibition: options.Alerting.InhibitBy.Count == 0 ? null : new ShopInhibition(options.Alerting.InhibitBy)));
        services.AddSingleton(sp => new PointRouter(metrics, sp.GetServices<IPointSink>(), sp.GetRequiredService<ShopBoard>()));
        services.AddSingleton<IDeadLetterSink>(sp =>
        {
            var config = new ProducerConfig { BootstrapServers = options.Kafka.BootstrapServers, LingerMs = 20 };
            foreach (var (key, value) in options.Kafka.Extra)
            {
                config.Set(key, value);
            }

            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("DeadLetters");
            var producer = new ProducerBuilder<byte[]?, byte[]>(config)
                .SetLogHandler((_, log) => logger.LogDebug("librdkafka {Facility}: {Message}", log.Facility, log.Message))
                .SetErrorHandler((_, error) => logger.LogWarning("Dead-letter producer: {Reason}", error.Reason))
                .Build();
            return new KafkaDeadLetterSink(producer, metrics, logger, KafkaDeadLetterSink.MaxPayloadFor(config.MessageMaxBytes));
        });
        services.AddSingleton<MonitorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitorWorker>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        var app = builder.Build();
        app.MapMonitorEndpoints(registry);
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            // Flush InfluxDB and the alert sinks last, after the worker stopped producing.
            foreach (var sink in app.Services.GetServices<IPointSink>())
            {
                sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            app.Services.GetRequiredService<AlertDispatcher>().DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        return app;
    }
}
