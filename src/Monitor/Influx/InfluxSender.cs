using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Monitor.Http;
using Monitor.Observability;
using Polly;

namespace Monitor.Influx;

/// <summary>
/// The HTTP half of <see cref="InfluxWriter"/>: posts one batch of line protocol to the write
/// endpoint (gzip, credentials in a header) through the shared retry pipeline
/// (<see cref="HttpRetry"/>), and keeps what /readyz reports of InfluxDB: since when it fails, and why.
/// Beside the answers every HTTP client retries, it retries 401 and 403: after a credential rotation
/// the new secret reaches the server and the monitor at different moments, and the batch must not be
/// lost meanwhile.
/// </summary>
/// <remarks>One batch is in flight at a time (the writer's loop); the failure state is read from any thread.</remarks>
internal sealed class InfluxSender
{
    private const int MaxErrorBodyChars = 512;
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly InfluxOptions _options;
    private readonly HttpClient _http;
    private readonly MonitorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _endpoint;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly ResiliencePipeline<HttpAttempt> _retry;
    private readonly Func<(long Buffered, long Dropped)> _state;

    // Timestamp of the first failed attempt since InfluxDB last answered (long.MinValue: it answers).
    private long _failingSince = long.MinValue;
    private volatile string? _lastProblem;
    private int _inFlight; // points of the batch being sent, for the retry log line

    /// <param name="state">The writer's points buffered now and dropped so far, for the log lines.</param>
    public InfluxSender(InfluxOptions options, HttpClient http, MonitorMetrics metrics, TimeProvider time, ILogger logger, Random jitter, Func<(long Buffered, long Dropped)> state)
    {
        _options = options;
        _http = http;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _endpoint = BuildEndpoint(options);
        _authorization = AuthorizationFor(options);
        _state = state;
        _retry = HttpRetry.Pipeline(options.InitialBackoff, options.MaxBackoff, options.MaxRetries, time, jitter, args =>
        {
            _metrics.InfluxRetries.Inc();
            _logger.LogWarning(
                "InfluxDB write of {Points} points failed ({Problem}); retry {Retry} in {Delay}, {Buffered} points buffered of {Capacity}",
                _inFlight, args.Outcome.Result.Problem, args.AttemptNumber + 1, args.RetryDelay, state().Buffered, _options.BufferCapacity);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>How long writes have been failing, and why the last attempt failed; nulls while InfluxDB answers.</summary>
    public (TimeSpan? For, string? Problem) Failing
    {
        get
        {
            var since = Interlocked.Read(ref _failingSince);
            return since == long.MinValue ? (null, null) : (_time.GetElapsedTime(since), _lastProblem);
        }
    }

    /// <summary>
    /// Sends <paramref name="lineCount"/> lines of <paramref name="lines"/>, retrying as the options
    /// say: true when InfluxDB accepted them, false when it rejected them for good or every retry
    /// failed. Throws <see cref="OperationCanceledException"/> when <paramref name="stopping"/> is cancelled.
    /// </summary>
    public async Task<bool> SendAsync(StringBuilder lines, int lineCount, CancellationToken stopping)
    {
        var body = Encode(lines, _options.Gzip);
        _inFlight = lineCount;
        var outcome = await _retry.ExecuteAsync(
            static async (state, token) =>
            {
                var (self, body, lineCount) = state;
                var attempt = await HttpRetry.AttemptAsync(
                    self._http, () => self.CreateRequest(body), (response, t) => self.JudgeAsync(response, lineCount, t),
                    self._options.RequestTimeout, self._time, token).ConfigureAwait(false);
                if (attempt.Problem is { } problem)
                {
                    self._lastProblem = problem;
                    self._metrics.InfluxUp.Set(0);
                    Interlocked.CompareExchange(ref self._failingSince, self._time.GetTimestamp(), long.MinValue);
                }

                return attempt;
            },
            (this, body, lineCount),
            stopping).ConfigureAwait(false);

        if (outcome.Problem is { } last)
        {
            _logger.LogError(
                "InfluxDB write of {Points} points failed after {Retries} retries: {Problem}",
                lineCount, _options.MaxRetries ?? 0, last);
        }

        return outcome.Accepted;
    }

    private async Task<HttpAttempt> JudgeAsync(HttpResponseMessage response, int lineCount, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            Answered(up: true);
            return HttpAttempt.Ok;
        }

        var status = (int)response.StatusCode;
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        // Refused credentials come back when the secret catches up with a rotation: keep the batch.
        var refused = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
        if (!refused && !HttpRetry.IsRetryable(response.StatusCode))
        {
            // Permanent (bad line protocol, missing database, too large): the same body would fail again.
            Answered(up: false);
            _logger.LogError("InfluxDB rejected {Points} points with HTTP {Status}: {Error}", lineCount, status, error);
            return HttpAttempt.Refused;
        }

        return HttpAttempt.Failed($"HTTP {status}: {error}", HttpRetry.RetryAfter(response, _time.GetUtcNow(), _options.MaxBackoff));
    }

    /// <summary>InfluxDB answered: <paramref name="up"/> when it accepted the batch, false when it rejected it for good.</summary>
    private void Answered(bool up)
    {
        _metrics.InfluxUp.Set(up ? 1 : 0);
        var since = Interlocked.Exchange(ref _failingSince, long.MinValue);
        if (since != long.MinValue)
        {
            var (buffered, dropped) = _state();
            _logger.LogInformation(
                "InfluxDB answers again after {Outage}; {Buffered} points buffered of {Capacity}, {Dropped} dropped so far",
                _time.GetElapsedTime(since), buffered, _options.BufferCapacity, dropped);
        }
    }

    private HttpRequestMessage CreateRequest(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        if (_options.Gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        return request;
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Utf8);
            var buffer = new char[MaxErrorBodyChars + 1];
            var read = await reader.ReadBlockAsync(buffer, cancellationToken).ConfigureAwait(false);
            var text = new string(buffer, 0, Math.Min(read, MaxErrorBodyChars)).Trim();
            return read > MaxErrorBodyChars ? text + "…" : text;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return $"(error body unreadable: {ex.Message})";
        }
    }

    private static byte[] Encode(StringBuilder lines, bool gzip)
    {
        using var buffer = new MemoryStream();
        var target = gzip ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true) : (Stream)buffer;
        using (var writer = new StreamWriter(target, Utf8, bufferSize: 16 * 1024, leaveOpen: !gzip))
        {
            foreach (var chunk in lines.GetChunks())
            {
                writer.Write(chunk.Span);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The credentials of every request: v1 with a user name, HTTP Basic; a token (v2, or v1 against the
    /// compatibility API of InfluxDB 2.x/3.x, or 1.8's <c>user:password</c> token), <c>Token</c>; else none.
    /// Never in the URL, where proxies and logs would keep them.
    /// <see cref="InfluxOptions.Validate"/> refuses a user name and a token together.
    /// </summary>
    internal static AuthenticationHeaderValue? AuthorizationFor(InfluxOptions options) =>
        !string.IsNullOrEmpty(options.Token) && (options.Api == InfluxApi.V2 || string.IsNullOrEmpty(options.Username))
            ? new AuthenticationHeaderValue("Token", options.Token)
            : options.Api == InfluxApi.V1 && !string.IsNullOrEmpty(options.Username)
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")))
                : null;

    private static Uri BuildEndpoint(InfluxOptions options)
    {
        var root = options.Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        var url = new StringBuilder(root);
        if (options.Api == InfluxApi.V1)
        {
            url.Append("/write?db=").Append(Uri.EscapeDataString(options.Database));
            if (!string.IsNullOrEmpty(options.RetentionPolicy))
            {
                url.Append("&rp=").Append(Uri.EscapeDataString(options.RetentionPolicy));
            }

            url.Append("&precision=ms");
        }
        else
        {
            url.Append("/api/v2/write?org=").Append(Uri.EscapeDataString(options.Org!))
               .Append("&bucket=").Append(Uri.EscapeDataString(options.Bucket!))
               .Append("&precision=ms");
        }

        return new Uri(url.ToString());
    }
}
