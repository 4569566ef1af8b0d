using System.CommandLine;
using System.CommandLine.Parsing;
using Monitor.Core.Metrics;
using Monitor.Influx;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary>Options shared by several verbs, with parsers that give clear messages.</summary>
internal static class CliOptions
{
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = ParseDuration,
    };

    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} (default {Format(defaultValue)})",
        CustomParser = result => ParseDuration(result) ?? defaultValue,
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>An http(s) URL option (System.CommandLine has no Uri parser).</summary>
    public static Option<Uri?> Url(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (token is not null && Uri.TryCreate(token, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"'{token}' is not an http(s) URL (example: http://127.0.0.1:8086)");
            return null;
        },
    };

    /// <summary><c>--database</c> of the verbs that write to InfluxDB; without it the settings' <c>influx.database</c> applies.</summary>
    public static Option<string> InfluxDatabase() => new("--database")
    {
        Description = "InfluxDB database (default: the settings' influx.database, else monitor)",
        DefaultValueFactory = _ => new InfluxOptions().Database,
    };

    /// <summary>
    /// Where a verb writes points: the settings' <c>influx</c> section (file and MONITOR_INFLUX_* environment,
    /// as <c>run</c> reads them: credentials, API, retention policy, org, bucket) with <c>--influx</c> and an
    /// explicit <c>--database</c> over it; null when neither the settings nor the command line name an InfluxDB.
    /// </summary>
    public static InfluxOptions? Influx(ParseResult result, Option<Uri?> url, Option<string> database, MonitorSettings settings)
    {
        var explicitUrl = result.GetValue(url);
        if (explicitUrl is null && settings.Influx is null)
        {
            return null;
        }

        var options = settings.Influx ?? settings.InfluxWithoutSection ?? new InfluxOptions();
        options.Url = explicitUrl ?? options.Url;
        if (result.GetResult(database) is { Implicit: false })
        {
            options.Database = result.GetValue(database)!;
        }

        return options;
    }

    /// <summary>
    /// The settings of <c>--config</c> (or, without it, the defaults) with the environment applied; the
    /// errors are printed and null returned when there are any.
    /// </summary>
    public static MonitorSettings? LoadSettings(ParseResult result, Option<FileInfo?> config)
    {
        var (settings, errors) = SettingsLoader.Load(result.GetValue(config)?.FullName);
        foreach (var error in errors)
        {
            Console.Error.WriteLine(error);
        }

        return errors.Count == 0 ? settings : null;
    }

    /// <summary>A clear message when simulator settings are out of range, else null.</summary>
    public static string? CheckScenario(int shops, double rate)
    {
        if (shops is < 1 or > 100_000)
        {
            return $"--shops must be between 1 and 100000, not {shops}";
        }

        if (rate is <= 0 or > Simulation.SimulationOptions.MaxEventsPerSecond || double.IsNaN(rate))
        {
            return $"--rate must be above 0 and at most {Simulation.SimulationOptions.MaxEventsPerSecond:N0} events per second, not {rate}";
        }

        return null;
    }

    public static Option<TimeSpan> Step() => Duration("--step", "Emission step", new EngineOptions().Step);

    public static Option<TimeSpan> Window() => Duration("--window", "Window of conversation metrics", new EngineOptions().ConversationWindow);

    public static Option<TimeSpan> Lateness() => Duration("--lateness", "Allowed lateness of events", new EngineOptions().AllowedLateness);

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (token is null)
        {
            return null;
        }

        if (Durations.TryParse(token, out var value))
        {
            return value;
        }

        result.AddError($"'{token}' is not a duration (examples: 250ms, 10s, 5m, 1h)");
        return null;
    }

    private static string Format(TimeSpan value) =>
        value.TotalHours >= 1 && value.TotalHours == Math.Floor(value.TotalHours) ? $"{value.TotalHours}h"
        : value.TotalMinutes >= 1 && value.TotalMinutes == Math.Floor(value.TotalMinutes) ? $"{value.TotalMinutes}m"
        : $"{value.TotalSeconds}s";
}
