using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Monitor.Http;
using Polly;
using Polly.Retry;

namespace Monitor.Alerting;

/// <summary>
/// The background loop every HTTP alert sink runs: it wakes on a new change (or when the queue's next
/// re-send falls due), posts whatever is waiting at that moment as one JSON batch, and on a network
/// error, a timeout, a 5xx or a 429 waits a capped exponential backoff with full jitter (or the
/// server's <c>Retry-After</c>) and asks the queue again, without limit, so nothing is lost while the
/// receiver is down. Any other 4xx settles the batch as failed.
/// </summary>
/// <remarks>
/// All waiting goes through the injected <see cref="TimeProvider"/>. The loop never logs a body: alert
/// annotations carry customer-facing text and ids. An <see cref="HttpClient"/> passed in belongs to the
/// caller; without one the loop makes and disposes its own.
/// </remarks>
internal sealed class DeliveryLoop : IAsyncDisposable
{
    private readonly string _receiver;
    private readonly Uri _endpoint;
    private readonly IDeliveryQueue _queue;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly AlertingOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpAttempt> _retry;
    private readonly SinkTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _run;
    private volatile bool _draining;
    private int _disposed;
    private int _died;
    private DeliveryBatch? _current; // the loop's batch in flight (null: dropped while it failed)
    private int _failures; // failed attempts of the batch in flight

    /// <param name="receiver">Names the receiver in log lines (e.g. <c>Alertmanager</c>); holds no secret.</param>
    public DeliveryLoop(
        string receiver,
        Uri endpoint,
        IDeliveryQueue queue,
        HttpClient? http,
        AuthenticationHeaderValue? authorization,
        AlertingOptions options,
        TimeProvider time,
        Random jitter,
        SinkTelemetry telemetry,
        ILogger logger)
    {
        _receiver = receiver;
        _endpoint = endpoint;
        _queue = queue;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _authorization = authorization;
        _options = options;
        _time = time;
        _retry = HttpRetry.Pipeline(options.InitialBackoff, options.MaxBackoff, maxRetries: null, time, jitter, OnRetry);
        _telemetry = telemetry;
        _logger = logger;
        _run = Task.Run(RunAsync);
    }

    /// <summary>True once disposal began or the loop died: new changes are no longer taken (they are counted as dropped).</summary>
    public bool IsClosed => Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _died) != 0;

    /// <summary>Something new is waiting; never blocks.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Sends what is waiting, retrying for at most <see cref="AlertingOptions.ShutdownTimeout"/>, then
    /// stops; notifications still unsent count as failed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _run.ConfigureAwait(false);
            return;
        }

        _draining = true;
        Wake();
        try
        {
            await _run.WaitAsync(_options.ShutdownTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _stopping.Cancel();
            await _run.ConfigureAwait(false);
        }

        var unsent = _queue.Pending;
        if (unsent > 0)
        {
            _telemetry.Failed(_queue.PendingLabels());
            _logger.LogWarning(
                "{Receiver}: {Count} alert notifications were still unsent at shutdown (after {Timeout})",
                _receiver, unsent, _options.ShutdownTimeout);
        }

        _stopping.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                _stopping.Token.ThrowIfCancellationRequested();
                _wake.Reader.TryRead(out _); // a change published after this point wakes the next wait
                var batch = _queue.Take(_time.GetUtcNow());
                if (batch is null)
                {
                    if (_draining)
                    {
                        return;
                    }

                    await WaitForWorkAsync().ConfigureAwait(false);
                    continue;
                }

                _current = batch;
                _failures = 0;
                var attempt = await _retry.ExecuteAsync(static (self, _) => self.AttemptAsync(), this, _stopping.Token).ConfigureAwait(false);
                if (_current is not { } sent)
                {
                    continue; // what failed was dropped meanwhile: nothing is left to settle
                }

                if (_failures > 0)
                {
                    // Before settling, so what this very batch carried is not sent twice.
                    _logger.LogInformation(
                        "{Receiver} answers again after {Failures} failed attempts; re-sending the alert state", _receiver, _failures);
                    _queue.Recovered();
                }

                _queue.Settle(sent);
                if (attempt.Accepted)
                {
                    _telemetry.Sent(sent);
                    _queue.Delivered(sent);
                }
                else
                {
                    _telemetry.Failed(sent);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // shutdown timeout: DisposeAsync counts what is left
        }
        catch (Exception ex)
        {
            // Counted from now on (Publish sees IsClosed) instead of queueing changes nobody sends.
            Volatile.Write(ref _died, 1);
            _logger.LogCritical(ex, "{Receiver}: the alert delivery loop stopped unexpectedly; alerts are no longer sent there", _receiver);
        }
    }

    /// <summary>
    /// One attempt of the retry pipeline. A retry asks the queue again, so changes that arrived
    /// while the receiver was failing ride along with what failed.
    /// </summary>
    private async ValueTask<HttpAttempt> AttemptAsync()
    {
        if (_failures > 0)
        {
            _current = _queue.Take(_time.GetUtcNow());
            if (_current is null)
            {
                return HttpAttempt.Refused;
            }
        }

        return await PostAsync(_current!).ConfigureAwait(false);
    }

    private ValueTask OnRetry(OnRetryArguments<HttpAttempt> args)
    {
        _failures++;
        _telemetry.Retried(_current!);
        _logger.LogWarning(
            "{Receiver} did not take {Count} alert notifications ({Problem}); attempt {Failures} failed, trying again in {Delay}",
            _receiver, _current!.Count, args.Outcome.Result.Problem, _failures, args.RetryDelay);
        return ValueTask.CompletedTask;
    }

    private async Task WaitForWorkAsync()
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var woken = _wake.Reader.WaitToReadAsync(waiting.Token).AsTask();
        var dueIn = _queue.NextDueAt - _time.GetUtcNow();
        var due = dueIn is not { } delay ? Task.Delay(Timeout.Infinite, waiting.Token)
            : delay > TimeSpan.Zero ? Task.Delay(delay, _time, waiting.Token)
            : Task.CompletedTask;
        await Task.WhenAny(woken, due).ConfigureAwait(false);
        waiting.Cancel(); // releases the timer or the channel wait that did not fire
    }

    /// <summary>One HTTP attempt of <paramref name="batch"/>; <see cref="HttpAttempt.Problem"/> is set when it is worth trying again.</summary>
    private Task<HttpAttempt> PostAsync(DeliveryBatch batch) => HttpRetry.AttemptAsync(
        _http,
        () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, batch.Endpoint ?? _endpoint) { Content = new ByteArrayContent(batch.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = _authorization;
            return request;
        },
        (response, cancellationToken) => JudgeAsync(batch, response, cancellationToken),
        _options.RequestTimeout,
        _time,
        _stopping.Token);

    private async Task<HttpAttempt> JudgeAsync(DeliveryBatch batch, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            if (batch.JudgeAnswer is not { } judge)
            {
                return HttpAttempt.Ok;
            }

            var verdict = judge(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (verdict.Accepted || verdict.Retry)
            {
                return new HttpAttempt(verdict.Accepted, verdict.Problem, verdict.RetryAfter);
            }

            _logger.LogError(
                "{Receiver} refused {Count} alert notifications: {Problem}; they are dropped, not retried",
                _receiver, batch.Count, verdict.Problem);
            return HttpAttempt.Refused;
        }

        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        if (HttpRetry.IsRetryable(response.StatusCode))
        {
            return HttpAttempt.Failed(status, HttpRetry.RetryAfter(response, _time.GetUtcNow(), _options.MaxBackoff));
        }

        // The answer's body may echo the payload, so it stays out of the log like the payload itself.
        _logger.LogError(
            "{Receiver} rejected {Count} alert notifications with {Status}; they are dropped, not retried. " +
            "Check that the receiver accepts this payload (Alertmanager: API v2, valid label names)",
            _receiver, batch.Count, status);
        return HttpAttempt.Refused;
    }
}
