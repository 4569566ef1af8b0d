using System.Net;

namespace Monitor.Http;

/// <summary>
/// The retry rules every HTTP client of the monitor follows (InfluxDB writer, Alertmanager and
/// webhook sinks): which answers are worth another attempt, capped exponential backoff with full
/// jitter, and the server's <c>Retry-After</c>.
/// </summary>
internal static class HttpRetry
{
    /// <summary>True for 429 and every 5xx: the server may accept the same request later. Other 4xx are permanent.</summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Full jitter: uniform in [0, min(<paramref name="max"/>, <paramref name="initial"/> · 2^(retry−1))).</summary>
    /// <param name="retry">1 for the first retry.</param>
    public static TimeSpan Backoff(int retry, TimeSpan initial, TimeSpan max, Random jitter)
    {
        var cap = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, Math.Clamp(retry - 1, 0, 62)));
        return TimeSpan.FromTicks((long)(cap * jitter.NextDouble()));
    }

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
}
