using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Metrics;
using Monitor.Influx;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitor.Settings;

/// <summary>
/// Reads monitor.yaml into <see cref="MonitorSettings"/>, collecting every problem with its line
/// and column instead of stopping at the first, so <c>monitor check</c> can list them all.
/// </summary>
public static class SettingsLoader
{
    /// <summary>
    /// The settings of <paramref name="path"/> with the environment (MONITOR_*) applied over them; with a
    /// null path, the defaults with the environment applied (what <c>replay</c> and <c>demo</c> use
    /// without <c>--config</c>, so they take the same InfluxDB and Alertmanager settings as <c>run</c>).
    /// </summary>
    public static (MonitorSettings Settings, IReadOnlyList<SettingsError> Errors) Load(string? path, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var settings = new MonitorSettings();
        var errors = new List<SettingsError>();
        if (path is null)
        {
            ApplyEnvironment(settings, environment, new Context("environment", errors));
            return (settings, errors);
        }

        if (!File.Exists(path))
        {
            errors.Add(new SettingsError(path, 0, 0, "file not found"));
            return (settings, errors);
        }

        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            errors.Add(new SettingsError(path, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return (settings, errors);
        }

        var context = new Context(path, errors, environment);
        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root)
        {
            ReadRoot(root, settings, context);
        }
        else if (stream.Documents.Count > 0)
        {
            context.Error(stream.Documents[0].RootNode, "the top level must be a mapping with kafka, influx, pipeline, alerting, metrics");
        }

        ApplyEnvironment(settings, environment, context);
        return (settings, errors);
    }

    private static void ReadRoot(YamlMappingNode root, MonitorSettings settings, Context context)
    {
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "kafka": ReadKafka(value, settings, context); break;
                case "influx": settings.Influx = ReadInflux(value, context); break;
                case "pipeline": ReadPipeline(value, settings, context); break;
                case "shops": ReadShops(value, settings, context); break;
                case "crisis": ReadCrisis(value, settings, context); break;
                case "keywords":
                    foreach (var (k, v) in context.Mapping(value, "keywords"))
                    {
                        if (k != "file")
                        {
                            context.Unknown(v, "keywords", k, "file");
                        }
                        else
                        {
                            settings.KeywordsFile = context.ExistingFile(v, "keywords.file") ?? settings.KeywordsFile;
                        }
                    }

                    break;
                case "alerting": ReadAlerting(value, settings, context); break;
                case "logging":
                    foreach (var (k, v) in context.Mapping(value, "logging"))
                    {
                        switch (k)
                        {
                            case "format":
                                if (ParseLogFormat(context.String(v, "logging.format")) is { } format)
                                {
                                    settings.LogFormat = format;
                                }
                                else
                                {
                                    context.Error(v, $"logging.format must be text or json, not '{context.String(v, "logging.format")}'");
                                }

                                break;
                            case "level":
                                if (ParseLogLevel(context.String(v, "logging.level")) is { } level)
                                {
                                    settings.LogLevel = level;
                                }
                                else
                                {
                                    context.Error(v, $"logging.level must be one of {LogLevels}, not '{context.String(v, "logging.level")}'");
                                }

                                break;
                            default: context.Unknown(v, "logging", k, "format, level"); break;
                        }
                    }

                    break;
                case "metrics":
                    foreach (var (k, v) in context.Mapping(value, "metrics"))
                    {
                        if (k == "listen")
                        {
                            settings.MetricsUrl = context.Url(v, "metrics.listen")?.ToString().TrimEnd('/') ?? settings.MetricsUrl;
                        }
                        else
                        {
                            context.Unknown(v, "metrics", k, "listen");
                        }
                    }

                    break;
                default: context.Unknown(keyNode, "top level", key, "kafka, influx, pipeline, shops, crisis, keywords, alerting, logging, metrics"); break;
            }
        }
    }

    private static void ReadAlerting(YamlNode node, MonitorSettings settings, Context context)
    {
        var alerting = settings.Alerting;
        foreach (var (key, value) in context.Mapping(node, "alerting"))
        {
            switch (key)
            {
                case "rules": settings.AlertRulesFile = context.ExistingFile(value, "alerting.rules") ?? settings.AlertRulesFile; break;
                case "alertmanager": alerting = ReadAlertmanager(value, alerting, context); break;
                case "webhooks":
                    if (value is not YamlSequenceNode hooks)
                    {
                        context.Error(value, "alerting.webhooks must be a list of URLs");
                        break;
                    }

                    alerting = alerting with { WebhookUrls = hooks.Children.Select((n, i) => context.Url(n, $"alerting.webhooks[{i}]")).OfType<Uri>().ToArray() };
                    break;
                case "receivers":
                    if (value is not YamlSequenceNode receivers)
                    {
                        context.Error(value, "alerting.receivers must be a list of {name, type, url | urlEnv | urlFile, secretEnv | secretFile}");
                        break;
                    }

                    alerting = alerting with { Receivers = receivers.Children.Select((n, i) => ReadReceiver(n, $"alerting.receivers[{i}]", context)).OfType<ReceiverOptions>().ToArray() };
                    break;
                case "grafanaUrl": alerting = alerting with { GrafanaUrl = context.Url(value, "alerting.grafanaUrl") }; break;
                case "runbookBaseUrl": alerting = alerting with { RunbookBaseUrl = context.Url(value, "alerting.runbookBaseUrl") ?? alerting.RunbookBaseUrl }; break;
                case "early": settings.EarlyAlerts = context.Bool(value, "alerting.early") ?? settings.EarlyAlerts; break;
                case "onCall": alerting = alerting with { OnCall = ReadOnCall(value, context) }; break;
                case "inhibitBy":
                    if (value is not YamlSequenceNode inhibitBy || inhibitBy.Children.Any(n => n is not YamlScalarNode { Value.Length: > 0 }))
                    {
                        context.Error(value, "alerting.inhibitBy must be a list of rule names (empty: no inhibition)");
                        break;
                    }

                    alerting = alerting with { InhibitBy = inhibitBy.Children.Select(n => ((YamlScalarNode)n).Value!).ToArray() };
                    break;
                default: context.Unknown(value, "alerting", key, "rules, early, alertmanager, webhooks, receivers, grafanaUrl, runbookBaseUrl, inhibitBy, onCall"); break;
            }
        }

        settings.Alerting = alerting;
    }

    /// <summary>
    /// One chat robot: a name, a type, its URL (a secret itself, since it carries the token: from the
    /// file, or the environment variable <c>urlEnv</c> names, or the file <c>urlFile</c> names) and
    /// its signing secret (from <c>secretEnv</c> or <c>secretFile</c>, never the file itself).
    /// </summary>
    private static ReceiverOptions? ReadReceiver(YamlNode node, string where, Context context)
    {
        string? name = null;
        ReceiverType? type = null;
        Uri? url = null;
        string? secret = null;
        var sources = 0;
        var typeNamed = false;
        var minSeverity = Severity.Info;
        var mentionFrom = Severity.Critical;
        string[] teams = [];
        string[] shops = [];
        foreach (var (key, value) in context.Mapping(node, where))
        {
            switch (key)
            {
                case "name": name = context.String(value, $"{where}.name"); break;
                case "type":
                    typeNamed = true;
                    switch (context.String(value, $"{where}.type"))
                    {
                        case "dingtalk": type = ReceiverType.DingTalk; break;
                        case "wecom": type = ReceiverType.WeCom; break;
                        case "feishu": type = ReceiverType.Feishu; break;
                        case { } other: context.Error(value, $"{where}.type must be dingtalk, wecom or feishu, not '{other}'"); break;
                    }

                    break;
                case "url": sources++; url = context.Url(value, $"{where}.url"); break;
                case "urlEnv": sources++; url = UrlOf(context.FromEnvironment(value, $"{where}.urlEnv"), value); break;
                case "urlFile": sources++; url = UrlOf(context.SecretFile(value, $"{where}.urlFile"), value); break;
                case "secretEnv": secret = context.FromEnvironment(value, $"{where}.secretEnv"); break;
                case "secretFile": secret = context.SecretFile(value, $"{where}.secretFile"); break;
                case "secret": context.Error(value, $"{where}.secret: secrets do not belong in the file; use secretEnv or secretFile"); break;
                case "minSeverity": minSeverity = SeverityOf(value, $"{where}.minSeverity", context) ?? minSeverity; break;
                case "mentionFrom": mentionFrom = SeverityOf(value, $"{where}.mentionFrom", context) ?? mentionFrom; break;
                case "teams": teams = Strings(value, $"{where}.teams", "team label values", context); break;
                case "shops": shops = Strings(value, $"{where}.shops", "shop ids", context); break;
                default: context.Unknown(value, where, key, "name, type, url, urlEnv, urlFile, secretEnv, secretFile, minSeverity, mentionFrom, teams, shops"); break;
            }
        }

        if (typeNamed && type is null)
        {
            return null; // the type's own error says it
        }

        if (name is null || type is null || sources != 1)
        {
            context.Error(node, $"{where} needs a name, a type and exactly one of url, urlEnv, urlFile");
            return null;
        }

        return url is null ? null : new ReceiverOptions(name, type.Value, url, secret) { MinSeverity = minSeverity, MentionFrom = mentionFrom, Teams = teams, Shops = shops };

        Uri? UrlOf(string? text, YamlNode value)
        {
            if (text is null)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            // The value is a secret: say where it came from, not what it is.
            context.Error(value, $"{where}: the URL it names is not an http(s) URL");
            return null;
        }
    }

    private static AlertingOptions ReadAlertmanager(YamlNode node, AlertingOptions alerting, Context context)
    {
        foreach (var (key, value) in context.Mapping(node, "alerting.alertmanager"))
        {
            alerting = key switch
            {
                "url" => alerting with { AlertmanagerUrl = context.Url(value, "alerting.alertmanager.url") },
                "resendInterval" => alerting with { ResendInterval = context.PositiveDuration(value, "alerting.alertmanager.resendInterval") ?? alerting.ResendInterval },
                "timeout" => alerting with { RequestTimeout = context.PositiveDuration(value, "alerting.alertmanager.timeout") ?? alerting.RequestTimeout },
                "username" => alerting with { Username = context.String(value, "alerting.alertmanager.username") },
                "passwordFile" => alerting with { Password = context.SecretFile(value, "alerting.alertmanager.passwordFile") },
                "tokenFile" => alerting with { BearerToken = context.SecretFile(value, "alerting.alertmanager.tokenFile") },
                "password" or "token" => Secret(value, key),
                _ => Unknown(value, key),
            };
        }

        return alerting;

        AlertingOptions Secret(YamlNode value, string key)
        {
            context.Error(value, $"alerting.alertmanager.{key}: secrets do not belong in the file; use MONITOR_ALERTMANAGER_PASSWORD, MONITOR_ALERTMANAGER_TOKEN or {key}File");
            return alerting;
        }

        AlertingOptions Unknown(YamlNode value, string key)
        {
            context.Unknown(value, "alerting.alertmanager", key, "url, resendInterval, timeout, username, passwordFile, tokenFile");
            return alerting;
        }
    }

    private static void ReadKafka(YamlNode node, MonitorSettings settings, Context context)
    {
        foreach (var (key, value) in context.Mapping(node, "kafka"))
        {
            switch (key)
            {
                case "bootstrapServers": settings.KafkaBootstrapServers = context.String(value, "kafka.bootstrapServers") ?? settings.KafkaBootstrapServers; break;
                case "groupId": settings.KafkaGroupId = context.String(value, "kafka.groupId") ?? settings.KafkaGroupId; break;
                case "timeIndex": settings.KafkaTimeIndex = context.Bool(value, "kafka.timeIndex") ?? settings.KafkaTimeIndex; break;
                case "properties":
                    foreach (var (k, v) in context.Mapping(value, "kafka.properties"))
                    {
                        if (Kafka.KafkaSecrets.IsSecret(k))
                        {
                            context.Error(v, $"kafka.properties.{k}: secrets do not belong in the file; name a file holding it under kafka.secretFiles (sasl.password: also MONITOR_KAFKA_SASL_PASSWORD)");
                        }
                        else if (context.String(v, $"kafka.properties.{k}") is { } s)
                        {
                            settings.KafkaProperties[k] = s;
                        }
                    }

                    break;
                case "secretFiles":
                    // property → file holding its value (a mounted Secret), relative to this file.
                    foreach (var (k, v) in context.Mapping(value, "kafka.secretFiles"))
                    {
                        if (context.SecretFile(v, $"kafka.secretFiles.{k}") is { } secret)
                        {
                            settings.KafkaProperties[k] = secret;
                        }
                    }

                    break;
                default: context.Unknown(value, "kafka", key, "bootstrapServers, groupId, timeIndex, properties, secretFiles"); break;
            }
        }
    }

    private static InfluxOptions ReadInflux(YamlNode node, Context context)
    {
        var options = new InfluxOptions();
        foreach (var (key, value) in context.Mapping(node, "influx"))
        {
            switch (key)
            {
                case "url": options.Url = context.Url(value, "influx.url") ?? options.Url; break;
                case "api":
                    switch (context.String(value, "influx.api"))
                    {
                        case "v1": options.Api = InfluxApi.V1; break;
                        case "v2": options.Api = InfluxApi.V2; break;
                        case var other: context.Error(value, $"influx.api must be v1 or v2, not '{other}'"); break;
                    }

                    break;
                case "database": options.Database = context.String(value, "influx.database") ?? options.Database; break;
                case "retentionPolicy": options.RetentionPolicy = context.String(value, "influx.retentionPolicy"); break;
                case "username": options.Username = context.String(value, "influx.username"); break;
                case "org": options.Org = context.String(value, "influx.org"); break;
                case "bucket": options.Bucket = context.String(value, "influx.bucket"); break;
                case "tokenFile": options.Token = context.SecretFile(value, "influx.tokenFile") ?? options.Token; break;
                case "passwordFile": options.Password = context.SecretFile(value, "influx.passwordFile") ?? options.Password; break;
                case "token" or "password":
                    context.Error(value, $"influx.{key}: secrets do not belong in the file; use MONITOR_INFLUX_TOKEN, MONITOR_INFLUX_PASSWORD, influx.tokenFile or influx.passwordFile");
                    break;
                case "batchSize": options.BatchSize = context.Int(value, "influx.batchSize", 1, 1_000_000) ?? options.BatchSize; break;
                case "bufferCapacity": options.BufferCapacity = context.Int(value, "influx.bufferCapacity", 1, 100_000_000) ?? options.BufferCapacity; break;
                case "flushInterval": options.FlushInterval = context.Duration(value, "influx.flushInterval") ?? options.FlushInterval; break;
                case "gzip": options.Gzip = context.Bool(value, "influx.gzip") ?? options.Gzip; break;
                case "maxRetries": options.MaxRetries = context.Int(value, "influx.maxRetries", 0, 100) ?? options.MaxRetries; break;
                case "maxBlock": options.MaxBlock = context.Duration(value, "influx.maxBlock") ?? options.MaxBlock; break;
                default:
                    context.Unknown(value, "influx", key, "url, api, database, retentionPolicy, username, passwordFile, org, bucket, tokenFile, batchSize, bufferCapacity, flushInterval, gzip, maxRetries, maxBlock");
                    break;
            }
        }

        if (options.Api == InfluxApi.V2 && (options.Org is null || options.Bucket is null))
        {
            context.Error(node, "influx: api v2 needs org and bucket");
        }

        return options;
    }

    private static void ReadPipeline(YamlNode node, MonitorSettings settings, Context context)
    {
        var engine = settings.Engine;
        foreach (var (key, value) in context.Mapping(node, "pipeline"))
        {
            engine = key switch
            {
                "step" => engine with { Step = context.Duration(value, "pipeline.step") ?? engine.Step },
                "window" => engine with { ConversationWindow = context.Duration(value, "pipeline.window") ?? engine.ConversationWindow },
                "lateness" => engine with { AllowedLateness = context.Duration(value, "pipeline.lateness") ?? engine.AllowedLateness },
                "seriesTtl" => engine with { SeriesTtl = context.Duration(value, "pipeline.seriesTtl") ?? engine.SeriesTtl },
                "maxShops" => engine with { MaxShops = context.Int(value, "pipeline.maxShops", 1, 10_000_000) ?? engine.MaxShops },
                "maxItemsPerShop" => engine with { MaxItemsPerShop = context.Int(value, "pipeline.maxItemsPerShop", 1, 100_000_000) ?? engine.MaxItemsPerShop },
                "maxItems" => engine with { MaxItems = context.Int(value, "pipeline.maxItems", 1, 2_000_000_000) ?? engine.MaxItems },
                "lookBack" => LookBack(value),
                "maxFuture" => Bound(value, "pipeline.maxFuture", d => settings.MaxFuture = d),
                "maxAge" => Bound(value, "pipeline.maxAge", d => settings.MaxAge = d),
                _ => Unknown(value, key),
            };
        }

        try
        {
            engine.Validate();
            settings.Engine = engine;
        }
        catch (ArgumentException ex)
        {
            context.Error(node, $"pipeline: {ex.Message}");
        }

        Monitor.Core.Metrics.EngineOptions Unknown(YamlNode value, string key)
        {
            context.Unknown(value, "pipeline", key, "step, window, lateness, seriesTtl, lookBack, maxFuture, maxAge, maxShops, maxItemsPerShop, maxItems");
            return engine;
        }

        Monitor.Core.Metrics.EngineOptions Bound(YamlNode value, string what, Action<TimeSpan> set)
        {
            if (context.Duration(value, what) is { } duration)
            {
                if (duration <= TimeSpan.Zero)
                {
                    context.Error(value, $"{what} must be above zero");
                }
                else
                {
                    set(duration);
                }
            }

            return engine;
        }

        Monitor.Core.Metrics.EngineOptions LookBack(YamlNode value)
        {
            settings.LookBack = context.Duration(value, "pipeline.lookBack") ?? settings.LookBack;
            return engine;
        }
    }

    /// <summary>A severity label (<c>info</c> … <c>critical</c>), or null with an error naming the labels.</summary>
    private static Severity? SeverityOf(YamlNode value, string where, Context context)
    {
        var text = context.String(value, where);
        if (Severities.TryParse(text, out var severity))
        {
            return severity;
        }

        if (text is not null)
        {
            context.Error(value, $"{where} must be {string.Join(", ", Severities.All.Select(s => s.Label()))}, not '{text}'");
        }

        return null;
    }

    /// <summary>A list of strings, or an error saying it must be a list of <paramref name="what"/>.</summary>
    private static string[] Strings(YamlNode value, string where, string what, Context context)
    {
        if (value is YamlSequenceNode list)
        {
            return list.Children.Select((n, i) => context.String(n, $"{where}[{i}]")).OfType<string>().ToArray();
        }

        context.Error(value, $"{where} must be a list of {what}");
        return [];
    }

    /// <summary><c>alerting.onCall</c>: per shop id, <c>{mobiles: [...], userIds: [...]}</c>.</summary>
    private static Dictionary<string, ShopOnCall> ReadOnCall(YamlNode node, Context context)
    {
        var onCall = new Dictionary<string, ShopOnCall>(StringComparer.Ordinal);
        foreach (var (shop, shopNode) in context.Mapping(node, "alerting.onCall"))
        {
            string[] mobiles = [];
            string[] userIds = [];
            foreach (var (key, value) in context.Mapping(shopNode, $"alerting.onCall.{shop}"))
            {
                switch (key)
                {
                    case "mobiles": mobiles = Strings(value, $"alerting.onCall.{shop}.mobiles", "phone numbers", context); break;
                    case "userIds": userIds = Strings(value, $"alerting.onCall.{shop}.userIds", "user ids", context); break;
                    default: context.Unknown(value, $"alerting.onCall.{shop}", key, "mobiles, userIds"); break;
                }
            }

            onCall[shop] = new ShopOnCall(mobiles, userIds);
        }

        return onCall;
    }

    private static void ReadShops(YamlNode node, MonitorSettings settings, Context context)
    {
        foreach (var (key, value) in context.Mapping(node, "shops"))
        {
            switch (key)
            {
                case "defaults":
                    var defaults = ReadShopSettings(value, "shops.defaults", context);
                    settings.Engine = settings.Engine.ApplyDefaults(defaults);
                    break;
                case "overrides":
                    var overrides = new Dictionary<string, ShopOverrides>(StringComparer.Ordinal);
                    foreach (var (shop, shopNode) in context.Mapping(value, "shops.overrides"))
                    {
                        overrides[shop] = ReadShopSettings(shopNode, $"shops.overrides.{shop}", context);
                    }

                    settings.Engine = settings.Engine with { Shops = overrides };
                    break;
                default:
                    context.Unknown(value, "shops", key, "defaults, overrides");
                    break;
            }
        }
    }

    private static ShopOverrides ReadShopSettings(YamlNode node, string what, Context context)
    {
        var result = new ShopOverrides();
        foreach (var (key, value) in context.Mapping(node, what))
        {
            result = key switch
            {
                "replySla" => ReadReplySla(value, $"{what}.replySla", result, context),
                "serviceLevelThreshold" => result with { ServiceLevelThreshold = context.PositiveDuration(value, $"{what}.serviceLevelThreshold") },
                "shipSla" => result with { ShipSla = context.PositiveDuration(value, $"{what}.shipSla") },
                "stallLimit" => result with { StallLimit = context.PositiveDuration(value, $"{what}.stallLimit") },
                "staticCapacityPerMin" => result with { StaticCapacityPerMinute = context.Number(value, $"{what}.staticCapacityPerMin", 0, 1e9) },
                _ => UnknownShopKey(value, key),
            };
        }

        return result;

        ShopOverrides UnknownShopKey(YamlNode value, string key)
        {
            context.Unknown(value, what, key, "replySla, serviceLevelThreshold, shipSla, stallLimit, staticCapacityPerMin");
            return result;
        }
    }

    private static ShopOverrides ReadReplySla(YamlNode node, string what, ShopOverrides result, Context context)
    {
        foreach (var (channel, value) in context.Mapping(node, what))
        {
            var sla = context.PositiveDuration(value, $"{what}.{channel}");
            switch (channel)
            {
                case "chat": result = result with { ChatReplySla = sla }; break;
                case "social": result = result with { SocialReplySla = sla }; break;
                case "email": result = result with { EmailReplySla = sla }; break;
                default: context.Unknown(value, what, channel, "chat, social, email"); break;
            }
        }

        return result;
    }

    private static void ReadCrisis(YamlNode node, MonitorSettings settings, Context context)
    {
        var crisis = settings.Engine.Crisis;
        foreach (var (key, value) in context.Mapping(node, "crisis"))
        {
            switch (key)
            {
                case "throughputPerAgentPerMin":
                    var throughput = new Dictionary<string, double>(crisis.ThroughputPerAgentPerMinute, StringComparer.Ordinal);
                    foreach (var (channel, v) in context.Mapping(value, "crisis.throughputPerAgentPerMin"))
                    {
                        if (channel is not ("chat" or "email" or "social" or "call"))
                        {
                            context.Unknown(v, "crisis.throughputPerAgentPerMin", channel, "chat, email, social, call");
                        }
                        else if (context.Number(v, $"crisis.throughputPerAgentPerMin.{channel}", 0, 1e6) is { } perMinute)
                        {
                            throughput[channel] = perMinute;
                        }
                    }

                    crisis = crisis with { ThroughputPerAgentPerMinute = throughput };
                    break;
                case "levels":
                    if (value is not YamlSequenceNode { Children.Count: >= 1 and <= 5 } sequence)
                    {
                        context.Error(value, "crisis.levels must be a list of 1 to 5 ascending thresholds, e.g. [0.8, 1.0, 1.2, 1.5]");
                        break;
                    }

                    var levels = sequence.Children.Select((n, i) => context.Number(n, $"crisis.levels[{i}]", 0, 1e6)).ToArray();
                    if (levels.All(l => l is not null))
                    {
                        var values = levels.Select(l => l!.Value).ToArray();
                        if (values.Zip(values.Skip(1)).Any(pair => pair.First >= pair.Second))
                        {
                            context.Error(value, "crisis.levels must be strictly ascending");
                        }
                        else
                        {
                            crisis = crisis with { LevelThresholds = values };
                        }
                    }

                    break;
                default:
                    context.Unknown(value, "crisis", key, "throughputPerAgentPerMin, levels");
                    break;
            }
        }

        settings.Engine = settings.Engine with { Crisis = crisis };
    }

    private const string LogLevels = "Trace, Debug, Information, Warning, Error, Critical";

    private static Hosting.LogFormat? ParseLogFormat(string? text) => text?.ToLowerInvariant() switch
    {
        "text" => Hosting.LogFormat.Text,
        "json" => Hosting.LogFormat.Json,
        _ => null,
    };

    private static LogLevel? ParseLogLevel(string? text) =>
        Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && level is >= LogLevel.Trace and <= LogLevel.Critical && !int.TryParse(text, out _)
            ? level
            : null;

    private static void ApplyEnvironment(MonitorSettings settings, Func<string, string?> environment, Context context)
    {
        if (environment("MONITOR_LOG_FORMAT") is { Length: > 0 } logFormat)
        {
            if (ParseLogFormat(logFormat) is { } format)
            {
                settings.LogFormat = format;
            }
            else
            {
                context.Errors.Add(new SettingsError("MONITOR_LOG_FORMAT", 0, 0, $"must be text or json, not '{logFormat}'"));
            }
        }

        if (environment("MONITOR_LOG_LEVEL") is { Length: > 0 } logLevel)
        {
            if (ParseLogLevel(logLevel) is { } level)
            {
                settings.LogLevel = level;
            }
            else
            {
                context.Errors.Add(new SettingsError("MONITOR_LOG_LEVEL", 0, 0, $"must be one of {LogLevels}, not '{logLevel}'"));
            }
        }

        if (environment("MONITOR_KAFKA_BOOTSTRAP_SERVERS") is { Length: > 0 } bootstrap)
        {
            settings.KafkaBootstrapServers = bootstrap;
        }

        if (environment("MONITOR_KAFKA_SASL_PASSWORD") is { Length: > 0 } saslPassword)
        {
            settings.KafkaProperties["sasl.password"] = saslPassword;
        }

        if (environment("MONITOR_INFLUX_URL") is { Length: > 0 } url)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                settings.Influx ??= new InfluxOptions();
                settings.Influx.Url = uri;
            }
            else
            {
                context.Errors.Add(new SettingsError("MONITOR_INFLUX_URL", 0, 0, "not an absolute URL"));
            }
        }

        if (environment("MONITOR_ALERTMANAGER_URL") is { Length: > 0 } alertmanager)
        {
            if (Uri.TryCreate(alertmanager, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                settings.Alerting = settings.Alerting with { AlertmanagerUrl = uri };
            }
            else
            {
                context.Errors.Add(new SettingsError("MONITOR_ALERTMANAGER_URL", 0, 0, "not an absolute http(s) URL"));
            }
        }

        if (environment("MONITOR_RUNBOOK_BASE_URL") is { Length: > 0 } runbookBase)
        {
            if (Uri.TryCreate(runbookBase, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                settings.Alerting = settings.Alerting with { RunbookBaseUrl = uri };
            }
            else
            {
                context.Errors.Add(new SettingsError("MONITOR_RUNBOOK_BASE_URL", 0, 0, "not an absolute http(s) URL"));
            }
        }

        if (environment("MONITOR_ALERTMANAGER_PASSWORD") is { Length: > 0 } amPassword)
        {
            settings.Alerting = settings.Alerting with { Password = amPassword };
        }

        if (environment("MONITOR_ALERTMANAGER_TOKEN") is { Length: > 0 } amToken)
        {
            settings.Alerting = settings.Alerting with { BearerToken = amToken };
        }

        try
        {
            settings.Alerting.Validate();
        }
        catch (ArgumentException ex)
        {
            context.Errors.Add(new SettingsError(context.File, 0, 0, ex.Message));
        }

        if (settings.Influx is null)
        {
            // `replay --influx URL` with the credentials in the environment, as run takes them.
            settings.InfluxWithoutSection = new InfluxOptions();
            ApplyInfluxCredentials(settings.InfluxWithoutSection, environment);
        }

        if (settings.Influx is { } influx)
        {
            ApplyInfluxCredentials(influx, environment);
            if (influx.Api == InfluxApi.V2 && string.IsNullOrEmpty(influx.Token))
            {
                context.Errors.Add(new SettingsError(context.File, 0, 0, "influx api v2 needs a token: set MONITOR_INFLUX_TOKEN or influx.tokenFile"));
            }

            if (influx.Api == InfluxApi.V1 && !string.IsNullOrEmpty(influx.Token) && !string.IsNullOrEmpty(influx.Username))
            {
                context.Errors.Add(new SettingsError(
                    context.File, 0, 0,
                    "influx api v1 has both a user name and a token (MONITOR_INFLUX_TOKEN or influx.tokenFile): give a user name with MONITOR_INFLUX_PASSWORD for HTTP Basic, or only the token (InfluxDB 2.x/3.x v1 compatibility, or 1.8's user:password token)"));
            }
        }
    }

    private static void ApplyInfluxCredentials(InfluxOptions influx, Func<string, string?> environment)
    {
        influx.Username = environment("MONITOR_INFLUX_USERNAME") is { Length: > 0 } username ? username : influx.Username;
        influx.Token = environment("MONITOR_INFLUX_TOKEN") is { Length: > 0 } token ? token : influx.Token;
        influx.Password = environment("MONITOR_INFLUX_PASSWORD") is { Length: > 0 } password ? password : influx.Password;
    }

    private sealed record Context(string File, List<SettingsError> Errors, Func<string, string?>? Environment = null)
    {
        /// <summary>The value of the environment variable <paramref name="node"/> names; an error when it is unset.</summary>
        public string? FromEnvironment(YamlNode node, string what)
        {
            var variable = String(node, what);
            if (variable is null)
            {
                return null;
            }

            if ((Environment ?? System.Environment.GetEnvironmentVariable)(variable) is { Length: > 0 } value)
            {
                return value.Trim();
            }

            Error(node, $"{what}: the environment variable {variable} is not set");
            return null;
        }

        public void Error(YamlNode node, string message) =>
            Errors.Add(new SettingsError(File, (int)node.Start.Line, (int)node.Start.Column, message));

        public void Unknown(YamlNode node, string section, string key, string known) =>
            Error(node, $"{section}: unknown key '{key}' (known: {known})");

        public IEnumerable<(string Key, YamlNode Value)> Mapping(YamlNode node, string what)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, $"{what} must be a mapping");
                yield break;
            }

            foreach (var (key, value) in mapping.Children)
            {
                yield return (((YamlScalarNode)key).Value ?? "", value);
            }
        }

        public string? String(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } value })
            {
                return value;
            }

            Error(node, $"{what} must be a non-empty value");
            return null;
        }

        /// <summary>A path relative to the settings file that must exist; its full path, or null with an error.</summary>
        public string? ExistingFile(YamlNode node, string what)
        {
            if (String(node, what) is not { } file)
            {
                return null;
            }

            var full = Path.IsPathRooted(file) ? file : Path.Combine(Path.GetDirectoryName(File) ?? ".", file);
            if (System.IO.File.Exists(full))
            {
                return full;
            }

            Error(node, $"{what}: {full} does not exist");
            return null;
        }

        /// <summary>The trimmed content of a secret file (token, password); never echoed in errors.</summary>
        public string? SecretFile(YamlNode node, string what) => ExistingFile(node, what) is { } full ? System.IO.File.ReadAllText(full).Trim() : null;

        public Uri? Url(YamlNode node, string what)
        {
            var text = String(node, what);
            if (text is null)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            Error(node, $"{what} must be an http(s) URL, not '{text}'");
            return null;
        }

        public TimeSpan? Duration(YamlNode node, string what)
        {
            var text = String(node, what);
            if (text is null)
            {
                return null;
            }

            if (Durations.TryParse(text, out var value))
            {
                return value;
            }

            Error(node, $"{what} must be a duration like 10s, 5m or 1h, not '{text}'");
            return null;
        }

        public int? Int(YamlNode node, string what, int min, int max)
        {
            var text = String(node, what);
            if (text is not null && int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            if (text is not null)
            {
                Error(node, $"{what} must be a whole number from {min} to {max}, not '{text}'");
            }

            return null;
        }

        public TimeSpan? PositiveDuration(YamlNode node, string what)
        {
            var value = Duration(node, what);
            if (value is { } d && d <= TimeSpan.Zero)
            {
                Error(node, $"{what} must be longer than zero");
                return null;
            }

            return value;
        }

        public double? Number(YamlNode node, string what, double min, double max)
        {
            var text = String(node, what);
            if (text is not null && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value >= min && value <= max && double.IsFinite(value))
            {
                return value;
            }

            if (text is not null)
            {
                Error(node, $"{what} must be a number from {min} to {max}, not '{text}'");
            }

            return null;
        }

        public bool? Bool(YamlNode node, string what)
        {
            switch (String(node, what))
            {
                case "true": return true;
                case "false": return false;
                case null: return null;
                case var other:
                    Error(node, $"{what} must be true or false, not '{other}'");
                    return null;
            }
        }
    }
}
