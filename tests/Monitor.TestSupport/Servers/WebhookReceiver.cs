using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Monitor.Servers;

/// <summary>
/// An HTTP endpoint on a free loopback port that records every JSON body POSTed to it, as an
/// Alertmanager webhook receiver or a generic webhook would get them.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly Action<JsonElement>? _received;
    private readonly HttpListener _listener = new();
    private readonly List<JsonElement> _bodies = [];
    private readonly Task _loop;

    /// <param name="received">Called on the listener's loop with each body as it arrives, before the 200 goes back; default none.</param>
    public WebhookReceiver(Action<JsonElement>? received = null)
    {
        _received = received;
        for (var attempt = 1; ; attempt++)
        {
            Url = new Uri($"http://127.0.0.1:{FreeTcpPort.Next()}/hook/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Url.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                // port taken meanwhile: another one
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public IReadOnlyList<JsonElement> Bodies
    {
        get
        {
            lock (_bodies)
            {
                return _bodies.ToArray();
            }
        }
    }

    /// <summary>Polls the received bodies until one matches, or fails after <paramref name="deadline"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan deadline, string what)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            foreach (var body in Bodies)
            {
                if (match(body))
                {
                    return body;
                }
            }

            if (waited.Elapsed > deadline)
            {
                throw new TimeoutException(
                    $"No webhook body with {what} within {deadline.TotalSeconds} s. Received:\n{string.Join("\n", Bodies.Select(b => b.GetRawText()))}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.InputStream);
                var body = document.RootElement.Clone();
                lock (_bodies)
                {
                    _bodies.Add(body);
                }

                _received?.Invoke(body);

                context.Response.StatusCode = 200;
            }
            catch (JsonException)
            {
                context.Response.StatusCode = 400;
            }

            context.Response.Close();
        }
    }
}
