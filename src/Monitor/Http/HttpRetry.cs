using System.Net;
using Polly;
using Polly.Retry;

namespace Monitor.Http;

/// <summary>
/// The retry rules every HTTP client of the monitor follows (the InfluxDB writer, the Alertmanager,
/// webhook and chat-robot sinks), in one place: one attempt with its own timeout and the same reading
/// of network errors (<see cref="AttemptAsync"/>), which answers are worth another attempt
/// (<see cref="IsRetryable"/>), and one Polly retry pipeline (<see cref="Pipeline"/>) that waits the
/// server's <c>Retry-After</c> or a capped exponential backoff with full jitter.
/// </summary>
internal static class HttpRetry
{
    /// <summary>True for 408, 429 and every 5xx: the server may accept the same request later. Other 4xx are permanent.</summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Full jitter: uniform in [0, min(<paramref name="max"/>, <paramref name="initial"/> · 2^(retry−1))).</summary>
    /// <param name="retry">1 for the first retry.</param>
    public static TimeSpan Backoff(int retry, TimeSpan initial, TimeSpan max, Random jitter)
    {
        var cap = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, Math.Clamp(retry - 1, 0, 62)));
        return TimeSpan.FromTicks((long)(cap * jitter.NextDouble()));
    }

    /// <summary>
    /// The wait before retry number <paramref name="retry"/>: the server's <paramref name="retryAfter"/>
    /// when it gave one, but never less than <paramref name="initial"/> (a <c>Retry-After: 0</c> must not
    /// turn into a tight loop), else <see cref="Backoff"/>.
    /// </summary>
    public static TimeSpan Delay(int retry, TimeSpan? retryAfter, TimeSpan initial, TimeSpan max, Random jitter) =>
        retryAfter is { } wait ? (wait > initial ? wait : initial) : Backoff(retry, initial, max, jitter);

    /// <summary>The server's Retry-After (delta seconds or HTTP date, relative to <paramref name="now"/>), cut to [0, <paramref name="max"/>].</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now, TimeSpan max)
    {
        var header = response.Headers.RetryAfter;
        var value = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        if (value is not { } wait)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > max ? max : wait;
    }

    /// <summary>
    /// One attempt: sends what <paramref name="request"/> makes, with at most <paramref name="timeout"/>
    /// for the answer, and lets <paramref name="judge"/> read a response. No answer in time, an
    /// <see cref="HttpClient"/> timeout and a network error come back as worth another attempt; when
    /// <paramref name="stopping"/> is cancelled the attempt throws.
    /// </summary>
    public static async Task<HttpAttempt> AttemptAsync(
        HttpClient http,
        Func<HttpRequestMessage> request,
        Func<HttpResponseMessage, CancellationToken, Task<HttpAttempt>> judge,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken stopping)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, stopping);
        try
        {
            using var message = request();
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            return await judge(response, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return HttpAttempt.Failed($"no answer within {timeout}");
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException && !stopping.IsCancellationRequested)
        {
            return HttpAttempt.Failed("HttpClient timeout");
        }
        catch (HttpRequestException ex)
        {
            return HttpAttempt.Failed(ex.Message);
        }
    }

    /// <summary>
    /// The retry pipeline of every HTTP client: an attempt that comes back with a
    /// <see cref="HttpAttempt.Problem"/> is tried again after <see cref="Delay"/>, at most
    /// <paramref name="maxRetries"/> times (null: until it is answered for good), waiting on
    /// <paramref name="time"/>. <paramref name="onRetry"/> runs before each wait (count it, log it).
    /// Exceptions are not retried: they pass through (cancellation at shutdown).
    /// </summary>
    public static ResiliencePipeline<HttpAttempt> Pipeline(
        TimeSpan initialBackoff,
        TimeSpan maxBackoff,
        int? maxRetries,
        TimeProvider time,
        Random jitter,
        Func<OnRetryArguments<HttpAttempt>, ValueTask> onRetry)
    {
        if (maxRetries == 0)
        {
            return ResiliencePipeline<HttpAttempt>.Empty;
        }

        return new ResiliencePipelineBuilder<HttpAttempt> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpAttempt>
            {
                MaxRetryAttempts = maxRetries ?? int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && args.Outcome.Result.Problem is not null),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    Delay(args.AttemptNumber + 1, args.Outcome.Result.RetryAfter, initialBackoff, maxBackoff, jitter)),
                OnRetry = onRetry,
            })
            .Build();
    }
}

/// <summary>
/// What one HTTP attempt came to: accepted; refused for good (neither accepted nor a problem: the same
/// request would fail again); or worth another attempt, with its <see cref="Problem"/> and the
/// server's <see cref="RetryAfter"/>.
/// </summary>
internal readonly record struct HttpAttempt(bool Accepted, string? Problem, TimeSpan? RetryAfter)
{
    public static HttpAttempt Ok { get; } = new(true, null, null);

    public static HttpAttempt Refused { get; } = new(false, null, null);

    public static HttpAttempt Failed(string problem, TimeSpan? retryAfter = null) => new(false, problem, retryAfter);
}
