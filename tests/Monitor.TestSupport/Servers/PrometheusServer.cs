using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Monitor.Servers;

/// <summary>
/// A real Prometheus 2.x (Debian package <c>prometheus</c>) on a free loopback port, its TSDB in a temp
/// directory, scraping the given targets as job <c>monitor</c> every second, for the integration tests
/// that run dashboard and rule queries against what it scraped. Dispose kills it and deletes the directory.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3; // a free port can be taken between probing and binding it

    private readonly string _directory;
    private Process? _process;
    private OutputTail _output = new();
    private int _disposed;

    private PrometheusServer(string directory, Uri url)
    {
        _directory = directory;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>A client for the API (base address <see cref="Url"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>The last lines Prometheus wrote.</summary>
    public string Log => _output.ToString();

    public static string FindBinary() => ServerProcess.FindBinary(
        "Install it with 'apt-get install prometheus' (Debian package, /usr/bin/prometheus).", "prometheus");

    /// <summary>
    /// Starts Prometheus scraping <c>/metrics</c> of each of <paramref name="targets"/> (<c>host:port</c>)
    /// as job <c>monitor</c> every <paramref name="scrapeInterval"/> (default 1 s); returns once
    /// <c>/-/ready</c> answers 200.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(
        IReadOnlyList<string> targets, TimeSpan? scrapeInterval = null, CancellationToken cancellationToken = default)
    {
        var interval = $"{(int)(scrapeInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds}ms";
        var config = $"""
            global:
              scrape_interval: {interval}
              evaluation_interval: {interval}
            scrape_configs:
              - job_name: monitor
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"\"{t}\""))}]
            """;
        return await StartAsync(config, cancellationToken);
    }

    /// <summary>
    /// Starts Prometheus with <paramref name="configYaml"/> as its whole configuration (rule files
    /// by absolute path); returns once <c>/-/ready</c> answers 200.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string configYaml, CancellationToken cancellationToken = default)
    {
        var binary = FindBinary();
        var config = configYaml;
        return await ServerProcess.StartOnAFreePortAsync(
            () => new PrometheusServer(Directory.CreateTempSubdirectory("monitor-prometheus-").FullName, new Uri($"http://127.0.0.1:{FreeTcpPort.Next()}/")),
            async server =>
            {
                await File.WriteAllTextAsync(server.ConfigPath, config, cancellationToken);
                await server.StartProcessAsync(binary, cancellationToken);
            },
            StartAttempts);
    }

    private string ConfigPath => Path.Combine(_directory, "prometheus.yml");

    /// <summary><c>GET /api/v1/query</c> at <paramref name="time"/> (default now); returns <c>data</c>, throwing unless the status is success.</summary>
    public Task<JsonElement> QueryAsync(string promQl, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        var query = $"api/v1/query?query={Uri.EscapeDataString(promQl)}";
        if (time is { } at)
        {
            query += $"&time={Seconds(at)}";
        }

        return GetDataAsync(query, promQl, cancellationToken);
    }

    /// <summary><c>GET /api/v1/query_range</c>; returns <c>data</c>, throwing unless the status is success.</summary>
    public Task<JsonElement> QueryRangeAsync(
        string promQl, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken = default) =>
        GetDataAsync(
            $"api/v1/query_range?query={Uri.EscapeDataString(promQl)}&start={Seconds(start)}&end={Seconds(end)}&step={step.TotalSeconds.ToString(CultureInfo.InvariantCulture)}",
            promQl,
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Http.Dispose();
        if (_process is { } process)
        {
            await ServerProcess.StopAsync(process);
            process.Dispose();
        }

        ServerProcess.TryDeleteDirectory(_directory);
    }

    private async Task<JsonElement> GetDataAsync(string pathAndQuery, string promQl, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(pathAndQuery, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(body);
        if (response.StatusCode != HttpStatusCode.OK || document.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus answered {(int)response.StatusCode} to '{promQl}': {body}");
        }

        return document.RootElement.GetProperty("data").Clone();
    }

    private static string Seconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private async Task StartProcessAsync(string binary, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={ConfigPath}",
                $"--storage.tsdb.path={Path.Combine(_directory, "data")}",
                $"--web.listen-address={Url.Host}:{Url.Port}",
            },
            WorkingDirectory = _directory,
        };
        (_process, _output) = ServerProcess.Start(start);
        try
        {
            await ServerProcess.WaitUntilReadyAsync(_process, _output, new Uri(Url, "-/ready"), HttpStatusCode.OK, StartDeadline, cancellationToken);
        }
        catch
        {
            await ServerProcess.StopAsync(_process);
            _process.Dispose();
            _process = null;
            throw;
        }
    }
}
