using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Monitor.IntegrationTests.Servers;

/// <summary>
/// A real InfluxDB 1.x (<c>influxd</c> from the Debian package <c>influxdb</c>) on loopback with free
/// ports and a temp directory, started for tests and killed (process tree, temp dir) on dispose.
/// </summary>
public sealed class InfluxServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3; // a free port can be taken between probing and influxd binding it

    private readonly string _binary;
    private readonly string _configPath;
    private readonly string _directory;
    private Process _process;
    private OutputTail _output;
    private int _disposed;

    /// <summary>The running influxd's process id (for /proc readings in soak tests).</summary>
    public int ProcessId => _process.Id;

    private InfluxServer(string binary, string configPath, Process process, OutputTail output, string directory, Uri url)
    {
        _binary = binary;
        _configPath = configPath;
        _process = process;
        _output = output;
        _directory = directory;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Base address of the HTTP API, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>A client for the server's HTTP API (base address <see cref="Url"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>The last lines influxd wrote to stdout and stderr.</summary>
    public string Log => _output.ToString();

    /// <summary>Starts influxd and returns once <c>GET /ping</c> answers 204.</summary>
    /// <exception cref="InvalidOperationException">influxd is not installed, or did not become ready within 30 s (the message holds its output).</exception>
    public static Task<InfluxServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(admin: null, cancellationToken);

    /// <summary>
    /// Starts influxd with <c>[http] auth-enabled = true</c> and <paramref name="admin"/> (user, password) as its
    /// one admin user; <see cref="Http"/> (and so <see cref="QueryAsync"/>) sends that user's Basic header.
    /// </summary>
    public static async Task<InfluxServer> StartAsync((string User, string Password)? admin, CancellationToken cancellationToken = default)
    {
        var binary = FindBinary();
        var template = await RunToStringAsync(binary, "config", cancellationToken);

        return await ServerProcess.StartOnAFreePortAsync(
            async () =>
            {
                var directory = Directory.CreateTempSubdirectory("monitor-influxd-").FullName;
                try
                {
                    var server = await StartOnceAsync(binary, template, directory, admin is not null, cancellationToken);
                    if (admin is { } user)
                    {
                        // With auth on and no user yet, influxd accepts exactly this statement unauthenticated.
                        await server.QueryAsync(null, $"CREATE USER {QuoteIdentifier(user.User)} WITH PASSWORD {QuoteString(user.Password)} WITH ALL PRIVILEGES", cancellationToken);
                        server.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.User}:{user.Password}")));
                    }

                    return server;
                }
                catch
                {
                    ServerProcess.TryDeleteDirectory(directory);
                    throw;
                }
            },
            StartAttempts);
    }

    /// <summary>Stops influxd (an outage): SIGTERM, then a kill. Its data directory stays for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        await ServerProcess.StopAsync(_process, graceful: true);
        _process.Dispose();
    }

    /// <summary>Freezes influxd (SIGSTOP): it keeps its sockets, accepts connections and answers nothing, as a hung server does.</summary>
    public void Freeze() => Signal(19);

    /// <summary>Lets a frozen influxd run again (SIGCONT).</summary>
    public void Thaw() => Signal(18);

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Starts influxd again on the same ports and data directory; returns once <c>GET /ping</c> answers 204.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        (_process, _output) = await StartProcessAsync(_binary, _configPath, _directory, Url, cancellationToken);
    }

    /// <summary>Runs <c>CREATE DATABASE</c> (idempotent in InfluxDB).</summary>
    public async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await QueryAsync(database: null, $"CREATE DATABASE {QuoteIdentifier(database)}", cancellationToken);
    }

    /// <summary>
    /// Runs InfluxQL against <paramref name="database"/> (POST /query, timestamps as epoch milliseconds)
    /// and returns every series of every statement. Throws when InfluxDB reports an error.
    /// </summary>
    public async Task<IReadOnlyList<InfluxSeries>> QueryAsync(string? database, string influxQl, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, string>> { new("q", influxQl), new("epoch", "ms") };
        if (database is not null)
        {
            form.Add(new("db", database));
        }

        using var response = await Http.PostAsync("query", new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"influxd answered {(int)response.StatusCode} to '{influxQl}': {body}");
        }

        using var document = JsonDocument.Parse(body);
        if (document.RootElement.TryGetProperty("error", out var topError))
        {
            throw new InvalidOperationException($"influxd failed '{influxQl}': {topError.GetString()}");
        }

        var series = new List<InfluxSeries>();
        foreach (var result in document.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"influxd failed '{influxQl}': {error.GetString()}");
            }

            if (!result.TryGetProperty("series", out var resultSeries))
            {
                continue;
            }

            foreach (var s in resultSeries.EnumerateArray())
            {
                series.Add(InfluxSeries.Parse(s));
            }
        }

        return series;
    }

    /// <summary>
    /// Every series of every measurement of <paramref name="database"/> (<c>SELECT * ... GROUP BY *</c>),
    /// optionally limited by an InfluxQL <paramref name="where"/> condition such as <c>time &lt;= 1700000000000ms</c>.
    /// </summary>
    public async Task<IReadOnlyList<InfluxSeries>> AllSeriesAsync(string database, string? where = null, CancellationToken cancellationToken = default)
    {
        var all = new List<InfluxSeries>();
        var measurements = await QueryAsync(database, "SHOW MEASUREMENTS", cancellationToken);
        foreach (var name in measurements.SelectMany(s => s.Values).Select(row => row[0].GetString()!))
        {
            var condition = where is null ? "" : $" WHERE {where}";
            all.AddRange(await QueryAsync(database, $"SELECT * FROM {QuoteIdentifier(name)}{condition} GROUP BY *", cancellationToken));
        }

        return all;
    }

    /// <summary>
    /// Every point of <paramref name="database"/> at or before <paramref name="cutoffMs"/>, as
    /// "measurement,tags time fields" lines (tags and fields sorted, empty tags left out), without the
    /// measurements in <paramref name="except"/>: what two runs are compared by.
    /// </summary>
    public async Task<HashSet<string>> ContentsAsync(string database, long cutoffMs, IReadOnlyCollection<string>? except = null, CancellationToken cancellationToken = default)
    {
        var points = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in await AllSeriesAsync(database, $"time <= {cutoffMs}ms", cancellationToken))
        {
            if (except?.Contains(s.Name) == true)
            {
                continue;
            }

            var tags = string.Join(",", s.Tags.Where(t => t.Value.Length > 0).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            foreach (var row in s.Rows)
            {
                var fields = string.Join(",", row
                    .Where(c => c.Key != "time" && c.Value.ValueKind != JsonValueKind.Null)
                    .OrderBy(c => c.Key, StringComparer.Ordinal)
                    .Select(c => $"{c.Key}={c.Value.GetRawText()}"));
                points.Add($"{s.Name},{tags} {row["time"].GetInt64()} {fields}");
            }
        }

        return points;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Http.Dispose();
        await ServerProcess.StopAsync(_process);
        _process.Dispose();
        ServerProcess.TryDeleteDirectory(_directory);
    }

    /// <summary>Quotes an InfluxQL identifier (database, measurement, tag key).</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Quotes an InfluxQL string literal (tag values in WHERE).</summary>
    public static string QuoteString(string value) => "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private static async Task<InfluxServer> StartOnceAsync(string binary, string template, string directory, bool authEnabled, CancellationToken cancellationToken)
    {
        var httpPort = FreeTcpPort.Next();
        var rpcPort = FreeTcpPort.Next();
        var configPath = Path.Combine(directory, "influxdb.conf");
        await File.WriteAllTextAsync(configPath, RewriteConfig(template, directory, httpPort, rpcPort, authEnabled), cancellationToken);
        var url = new Uri($"http://127.0.0.1:{httpPort}/");
        var (process, output) = await StartProcessAsync(binary, configPath, directory, url, cancellationToken);
        return new InfluxServer(binary, configPath, process, output, directory, url);
    }

    private static async Task<(Process, OutputTail)> StartProcessAsync(string binary, string configPath, string directory, Uri url, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "-config", configPath },
            WorkingDirectory = directory,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("INFLUXDB_", StringComparison.Ordinal)).ToArray())
        {
            start.Environment.Remove(key); // INFLUXDB_* variables would override the config file
        }

        var (process, output) = ServerProcess.Start(start);
        try
        {
            await ServerProcess.WaitUntilReadyAsync(process, output, new Uri(url, "ping"), HttpStatusCode.NoContent, StartDeadline, cancellationToken);
        }
        catch
        {
            await ServerProcess.StopAsync(process);
            process.Dispose();
            throw;
        }

        return (process, output);
    }

    /// <summary>Points every listener at loopback ports and every directory into <paramref name="directory"/>.</summary>
    internal static string RewriteConfig(string template, string directory, int httpPort, int rpcPort, bool authEnabled = false)
    {
        var replacements = new Dictionary<(string Section, string Key), string>
        {
            [("", "bind-address")] = Quote($"127.0.0.1:{rpcPort}"),
            [("meta", "dir")] = Quote(Path.Combine(directory, "meta")),
            [("data", "dir")] = Quote(Path.Combine(directory, "data")),
            [("data", "wal-dir")] = Quote(Path.Combine(directory, "wal")),
            [("http", "bind-address")] = Quote($"127.0.0.1:{httpPort}"),
            [("monitor", "store-enabled")] = "false",
            [("http", "auth-enabled")] = authEnabled ? "true" : "false",
        };
        var optional = new Dictionary<(string Section, string Key), string>
        {
            [("", "reporting-disabled")] = "true",
            [("", "reporting-enabled")] = "false", // Debian's build spells the switch this way
            [("logging", "suppress-logo")] = "true",
            [("http", "unix-socket-enabled")] = "false",
        };

        var done = new HashSet<(string, string)>();
        var section = "";
        var sb = new StringBuilder();
        foreach (var raw in template.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.StartsWith('['))
            {
                section = trimmed.Trim('[', ']').Trim();
            }
            else if (trimmed.Length > 0 && !trimmed.StartsWith('#') && trimmed.Contains('='))
            {
                var key = trimmed[..trimmed.IndexOf('=')].Trim();
                if (replacements.TryGetValue((section, key), out var value) || optional.TryGetValue((section, key), out value))
                {
                    var indent = line[..(line.Length - line.TrimStart().Length)];
                    line = $"{indent}{key} = {value}";
                    done.Add((section, key));
                }
            }

            sb.Append(line).Append('\n');
        }

        var missing = replacements.Keys.Where(k => !done.Contains(k)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                "The output of 'influxd config' lacks " + string.Join(", ", missing.Select(k => $"[{k.Section}] {k.Key}")) +
                "; this fixture expects influxd 1.x.");
        }

        if (!done.Contains(("", "reporting-disabled")) && !done.Contains(("", "reporting-enabled")))
        {
            sb.Insert(0, "reporting-disabled = true\n");
        }

        return sb.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string FindBinary() => ServerProcess.FindBinary(
        "Run scripts/test.sh, or install it with 'apt-get install influxdb' (Debian package, /usr/bin/influxd).", "influxd");

    private static async Task<string> RunToStringAsync(string binary, string argument, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { argument },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{binary} {argument}' exited with code {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }
}

/// <summary>One series of an InfluxQL answer; <see cref="Values"/> rows follow <see cref="Columns"/>, time in epoch ms.</summary>
public sealed record InfluxSeries(
    string Name,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<JsonElement>> Values)
{
    /// <summary>The rows as column name → value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows =>
        Values.Select(row => (IReadOnlyDictionary<string, JsonElement>)Columns
                .Select((column, i) => (column, value: row[i]))
                .ToDictionary(c => c.column, c => c.value))
            .ToArray();

    internal static InfluxSeries Parse(JsonElement series)
    {
        var tags = new Dictionary<string, string>();
        if (series.TryGetProperty("tags", out var tagElement))
        {
            foreach (var tag in tagElement.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.GetString() ?? "";
            }
        }

        var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var values = series.TryGetProperty("values", out var valuesElement)
            ? valuesElement.EnumerateArray()
                .Select(row => (IReadOnlyList<JsonElement>)row.EnumerateArray().Select(v => v.Clone()).ToArray())
                .ToArray()
            : [];
        return new InfluxSeries(series.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "", tags, columns, values);
    }
}

/// <summary>One influxd shared by every test class in <see cref="InfluxCollection"/>.</summary>
public sealed class InfluxFixture : IAsyncLifetime
{
    private InfluxServer? _server;

    public InfluxServer Server => _server ?? throw new InvalidOperationException("influxd has not been started.");

    public async Task InitializeAsync() => _server = await InfluxServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InfluxCollection : ICollectionFixture<InfluxFixture>
{
    public const string Name = "influxd";
}
