using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Monitor.Servers;

/// <summary>
/// A real Alertmanager 0.25 (Debian package <c>prometheus-alertmanager</c>) on a free loopback port
/// with its storage in a temp directory and gossip off (<c>--cluster.listen-address=</c>), for the
/// integration tests and <c>monitor-bench --alert-latency</c>. It can be stopped and started again on
/// the same port and storage, as an outage; dispose kills it and deletes the directory.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3; // a free port can be taken between probing and binding it

    private readonly string _binary;
    private readonly string _directory;
    private Process? _process;
    private OutputTail _output = new();
    private int _disposed;

    private AlertmanagerServer(string binary, string directory, Uri url)
    {
        _binary = binary;
        _directory = directory;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>A client for the API (base address <see cref="Url"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>The last lines Alertmanager wrote.</summary>
    public string Log => _output.ToString();

    public static string FindBinary() => ServerProcess.FindBinary(
        "Install it with 'apt-get install prometheus-alertmanager' (Debian package, /usr/bin/prometheus-alertmanager).",
        "prometheus-alertmanager", "alertmanager");

    /// <summary>Writes <paramref name="configYaml"/> and starts Alertmanager; returns once <c>/-/ready</c> answers 200.</summary>
    public static async Task<AlertmanagerServer> StartAsync(string configYaml, CancellationToken cancellationToken = default)
    {
        var binary = FindBinary();
        return await ServerProcess.StartOnAFreePortAsync(
            () => new AlertmanagerServer(binary, Directory.CreateTempSubdirectory("monitor-alertmanager-").FullName, new Uri($"http://127.0.0.1:{FreeTcpPort.Next()}/")),
            async server =>
            {
                await File.WriteAllTextAsync(server.ConfigPath, configYaml, cancellationToken);
                await server.StartProcessAsync(cancellationToken);
            },
            StartAttempts);
    }

    private string ConfigPath => Path.Combine(_directory, "alertmanager.yml");

    /// <summary>Stops Alertmanager with SIGTERM, as an operator would (it saves its notification log), leaving port and storage for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            await ServerProcess.StopAsync(process, graceful: true);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>
    /// Starts it again on the same port, with the same storage (notification log and silences) or, with
    /// <paramref name="freshStorage"/>, an empty one, as a replaced instance or pod would come back.
    /// </summary>
    public Task StartAgainAsync(bool freshStorage = false, CancellationToken cancellationToken = default)
    {
        if (freshStorage)
        {
            ServerProcess.TryDeleteDirectory(Path.Combine(_directory, "data"));
        }

        return StartProcessAsync(cancellationToken);
    }

    /// <summary><c>GET /api/v2/alerts</c>: the alerts Alertmanager holds as not resolved.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetAlertsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync("api/v2/alerts", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Alertmanager answered {(int)response.StatusCode} to GET /api/v2/alerts: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.EnumerateArray().Select(a => a.Clone()).ToArray();
    }

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

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_binary)
        {
            ArgumentList =
            {
                $"--config.file={ConfigPath}",
                $"--storage.path={Path.Combine(_directory, "data")}",
                $"--web.listen-address={Url.Host}:{Url.Port}",
                "--cluster.listen-address=", // no gossip on :9094
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
