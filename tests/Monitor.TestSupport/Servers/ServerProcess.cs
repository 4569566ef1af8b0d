using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Monitor.Servers;

/// <summary>Finding, starting, probing and stopping the real server binaries the integration tests and <c>monitor-bench --alert-latency</c> run.</summary>
internal static class ServerProcess
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    /// <summary>The first of <paramref name="names"/> found in /usr/bin or on PATH.</summary>
    /// <exception cref="InvalidOperationException">None is installed; the message ends with <paramref name="installHint"/>.</exception>
    public static string FindBinary(string installHint, params string[] names)
    {
        var directories = new[] { "/usr/bin" }.Concat(
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var name in names)
        {
            var found = directories.Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
            if (found is not null)
            {
                return found;
            }
        }

        throw new InvalidOperationException($"{string.Join(" / ", names)} is not installed. {installHint}");
    }

    /// <summary>Starts <paramref name="start"/> with stdout and stderr kept in the returned tail.</summary>
    public static (Process Process, OutputTail Output) Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var output = new OutputTail();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    /// <summary>Polls <c>GET <paramref name="probe"/></c> until it answers <paramref name="ready"/>.</summary>
    /// <exception cref="PortInUseException">The process exited saying its address was in use.</exception>
    /// <exception cref="InvalidOperationException">It exited otherwise, or was not ready within <paramref name="deadline"/>.</exception>
    public static async Task WaitUntilReadyAsync(
        Process process, OutputTail output, Uri probe, HttpStatusCode ready, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(process.StartInfo.FileName);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken); // drains the output readers
                var log = output.ToString();
                if (log.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    throw new PortInUseException(log);
                }

                throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before it was ready. Output:\n{log}");
            }

            try
            {
                using var response = await client.GetAsync(probe, cancellationToken);
                if (response.StatusCode == ready)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // probe timed out; try again
            }

            if (waited.Elapsed > deadline)
            {
                throw new InvalidOperationException(
                    $"{name} did not answer GET {probe.AbsolutePath} with {(int)ready} within {deadline.TotalSeconds} s. Output:\n{output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the process: with <paramref name="graceful"/> SIGTERM first (the server saves its state),
    /// then, or at once, a kill of the whole tree.
    /// </summary>
    public static async Task StopAsync(Process process, bool graceful = false)
    {
        try
        {
            if (graceful && !process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
                try
                {
                    await process.WaitForExitAsync().WaitAsync(StopPatience);
                }
                catch (TimeoutException)
                {
                    // did not stop on SIGTERM: killed below
                }
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(StopPatience);
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        catch (TimeoutException)
        {
            // killed but not reaped in time; nothing more to do
        }
    }

    /// <summary>
    /// Starts a server until it binds its port: <paramref name="startOnce"/> takes a fresh free port
    /// each time and cleans up after itself when it fails; a <see cref="PortInUseException"/> (the
    /// port was taken between probing and binding) tries again, at most <paramref name="attempts"/> times.
    /// </summary>
    public static async Task<T> StartOnAFreePortAsync<T>(Func<Task<T>> startOnce, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await startOnce();
            }
            catch (PortInUseException) when (attempt < attempts)
            {
                // another port
            }
        }
    }

    /// <summary><see cref="StartOnAFreePortAsync{T}(Func{Task{T}}, int)"/> for a server object: <paramref name="create"/> it (on a fresh port), <paramref name="start"/> it, dispose of it when that fails.</summary>
    public static Task<T> StartOnAFreePortAsync<T>(Func<T> create, Func<T, Task> start, int attempts = 3)
        where T : IAsyncDisposable => StartOnAFreePortAsync(
            async () =>
            {
                var server = create();
                try
                {
                    await start(server);
                    return server;
                }
                catch
                {
                    await server.DisposeAsync();
                    throw;
                }
            },
            attempts);

    public static void TryDeleteDirectory(string directory)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                // a file may still be held for a moment after the kill
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}

/// <summary>A server could not bind its port (taken between probing and binding); try another.</summary>
internal sealed class PortInUseException(string log) : Exception(log);

/// <summary>Keeps the last lines of a process's output for error messages.</summary>
internal sealed class OutputTail
{
    private const int MaxLines = 200;
    private readonly Queue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines);
        }
    }
}

/// <summary>Free loopback TCP ports for locally started servers.</summary>
public static class FreeTcpPort
{
    /// <summary>A port that was free on 127.0.0.1 a moment ago (the OS picks it; the caller must bind it soon).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
