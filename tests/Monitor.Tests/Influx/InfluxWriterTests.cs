using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Monitor.Core.Points;
using Monitor.Influx;
using Monitor.Observability;

namespace Monitor.Tests.Influx;

public sealed class InfluxWriterTests : InfluxWriterTestBase
{
    private static MetricPoint Point(int i, string shop = "s1") =>
        new("m", [KeyValuePair.Create("shop", shop)], [MetricField.Int("v", i)], 1_000 + i);

    private static MetricPoint[] Points(int from, int count) =>
        Enumerable.Range(from, count).Select(i => Point(i)).ToArray();

    private static string Lines(params MetricPoint[] points) =>
        string.Concat(points.Select(p => LineProtocol.Format(p) + "\n"));

    [Fact]
    public async Task Batch_IsSentAsSoonAsBatchSizePointsAreBuffered()
    {
        var writer = CreateWriter(o => o.BatchSize = 3);

        await writer.WriteAsync(Points(1, 7));
        await Handler.WaitForRequestsAsync(2).WaitAsync(Patience);

        var requests = Handler.Requests;
        Assert.Equal(Lines(Points(1, 3)), requests[0].Text);
        Assert.Equal(Lines(Points(4, 3)), requests[1].Text);
        Assert.Equal(Time.Start, requests[1].At); // no time passed: size alone triggered both

        Time.Advance(TimeSpan.FromSeconds(1));
        await Handler.WaitForRequestsAsync(3).WaitAsync(Patience);
        Assert.Equal(Lines(Point(7)), Handler.Requests[2].Text);
    }

    [Fact]
    public async Task Batch_IsSentWhenFlushIntervalHasPassedSinceItsFirstPoint()
    {
        var writer = CreateWriter(o => { o.BatchSize = 100; o.FlushInterval = TimeSpan.FromSeconds(1); });

        await writer.WriteAsync(Points(1, 2));
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(1)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMilliseconds(999));
        await writer.WriteAsync([Point(3)]);
        Assert.Empty(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal(Lines(Points(1, 3)), request.Text);
        Assert.Equal(Time.Start + TimeSpan.FromSeconds(1), request.At);
    }

    [Fact]
    public async Task Gzip_BodyIsGzipAndDecompressesToTheLines()
    {
        var writer = CreateWriter(o => o.Gzip = true);
        var points = new[] { Point(1, "旗舰店"), Point(2, "a b,c=d") };

        await writer.WriteAsync(points);
        await writer.FlushAsync().WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal(new[] { "gzip" }, request.ContentEncoding);
        Assert.Equal(new byte[] { 0x1f, 0x8b }, request.Body[..2]);
        Assert.Equal("text/plain; charset=utf-8", request.ContentType);
        Assert.Equal(Lines(points), request.Text);
        Assert.Contains(@"m,shop=a\ b\,c\=d v=2i 1002", request.Text);
    }

    [Fact]
    public async Task Gzip_Off_SendsPlainUtf8()
    {
        var writer = CreateWriter(o => o.Gzip = false);

        await writer.WriteAsync([Point(1, "旗舰店")]);
        await writer.FlushAsync().WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Empty(request.ContentEncoding);
        Assert.Equal("m,shop=旗舰店 v=1i 1001\n", Encoding.UTF8.GetString(request.Body));
    }

    [Fact]
    public async Task Retry_On503ThenSucceeds_AfterJitteredBackoff()
    {
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable);
        var writer = CreateWriter(o => o.InitialBackoff = TimeSpan.FromMilliseconds(200), jitter: 0.5);

        await writer.WriteAsync(Points(1, 2));
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience); // 0.5 × 200 ms
        Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(Patience);

        Assert.Equal(2, Handler.Requests.Count);
        Assert.Equal(Handler.Requests[0].Body, Handler.Requests[1].Body);
        Assert.Equal(1, Metrics.InfluxRetries.Value);
        Assert.Equal(2, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(1, Metrics.InfluxWriteDuration.Count);
        Assert.Equal(0.1, Metrics.InfluxWriteDuration.Sum, 6); // virtual time, retries included
    }

    [Fact]
    public async Task Retry_HonoursRetryAfterSeconds()
    {
        Handler.Enqueue(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(5)));
        var writer = CreateWriter();

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(5)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Single(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(Patience);

        Assert.Equal(TimeSpan.FromSeconds(5), Handler.Requests[1].At - Handler.Requests[0].At);
        Assert.Equal(1, Metrics.InfluxRetries.Value);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task Retry_HonoursRetryAfterHttpDate()
    {
        var retryAt = Time.GetUtcNow() + TimeSpan.FromSeconds(7);
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(retryAt));
        var writer = CreateWriter();

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(7)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMilliseconds(6999));
        Assert.Single(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(Patience);

        Assert.Equal(retryAt, Handler.Requests[1].At);
    }

    [Fact]
    public async Task Retry_RetryAfterLongerThanMaxBackoffIsCapped()
    {
        Handler.Enqueue(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(1)));
        var writer = CreateWriter(o => o.MaxBackoff = TimeSpan.FromSeconds(30));

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(30)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(30));
        await flush.WaitAsync(Patience);

        Assert.Equal(TimeSpan.FromSeconds(30), Handler.Requests[1].At - Handler.Requests[0].At);
    }

    [Fact]
    public async Task Retry_RetryAfterZero_WaitsTheFirstBackoff_NotATightLoop()
    {
        // Before the shared retry pipeline, `Retry-After: 0` made the writer try again at once, as often as InfluxDB answered.
        Handler.Enqueue(HttpStatusCode.ServiceUnavailable, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.Zero));
        var writer = CreateWriter(o => o.InitialBackoff = TimeSpan.FromMilliseconds(200));

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Single(Handler.Requests);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(Patience);

        Assert.Equal(TimeSpan.FromMilliseconds(200), Handler.Requests[1].At - Handler.Requests[0].At);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task Retry_BackoffDoublesAndIsCappedAtMaxBackoff_ThenBatchCountsFailed()
    {
        for (var i = 0; i < 4; i++)
        {
            Handler.Enqueue(HttpStatusCode.InternalServerError);
        }

        var writer = CreateWriter(
            o =>
            {
                o.MaxRetries = 3;
                o.InitialBackoff = TimeSpan.FromMilliseconds(100);
                o.MaxBackoff = TimeSpan.FromMilliseconds(300);
            },
            jitter: 1.0);

        await writer.WriteAsync(Points(1, 5));
        var flush = writer.FlushAsync();
        foreach (var delay in new[] { 100, 200, 300 })
        {
            await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(delay)).WaitAsync(Patience);
            Time.Advance(TimeSpan.FromMilliseconds(delay));
        }

        await flush.WaitAsync(Patience);

        var times = Handler.Requests.Select(r => (r.At - Time.Start).TotalMilliseconds).ToArray();
        Assert.Equal(new double[] { 0, 100, 300, 600 }, times);
        Assert.Equal(3, Metrics.InfluxRetries.Value);
        Assert.Equal(5, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(0, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsBuffered.Value);
    }

    [Fact]
    public async Task Retry_OnNetworkError()
    {
        Handler.Enqueue(_ => throw new HttpRequestException("connection refused"));
        var writer = CreateWriter(jitter: 0);

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(2, Handler.Requests.Count);
        Assert.Equal(1, Metrics.InfluxRetries.Value);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task Retry_WhenRequestTimesOut()
    {
        Handler.Enqueue(ScriptedHandler.NeverAnswer);
        var writer = CreateWriter(o => o.RequestTimeout = TimeSpan.FromSeconds(3), jitter: 0);

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(3)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(3));
        await flush.WaitAsync(Patience);

        Assert.Equal(2, Handler.Requests.Count);
        Assert.Equal(1, Metrics.InfluxRetries.Value);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task Reject_400_CountsBatchFailedWithoutRetryAndLogsInfluxError()
    {
        Handler.Enqueue(HttpStatusCode.BadRequest, r => r.Content = new StringContent("{\"error\":\"partial write: field type conflict\"}"));
        var writer = CreateWriter();

        await writer.WriteAsync(Points(1, 3));
        await writer.FlushAsync().WaitAsync(Patience);
        await writer.WriteAsync([Point(4)]);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(2, Handler.Requests.Count); // the loop went on with the next batch
        Assert.Equal(0, Metrics.InfluxRetries.Value);
        Assert.Equal(3, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
        var error = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("400", error.Message);
        Assert.Contains("partial write: field type conflict", error.Message);
    }

    [Fact]
    public async Task Reject_LongErrorBodyIsTruncatedInTheLog()
    {
        Handler.Enqueue(HttpStatusCode.BadRequest, r => r.Content = new StringContent(new string('x', 10_000)));
        var writer = CreateWriter();

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        var error = Assert.Single(Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.InRange(error.Message.Length, 100, 1_000);
    }

    [Fact]
    public async Task Overflow_DropOldest_DropsAndCountsTheOldestPoints()
    {
        var gate = Handler.EnqueueBlocked();
        var writer = CreateWriter(o => { o.BufferCapacity = 3; o.BufferFullMode = BufferFullMode.DropOldest; o.MaxBlock = TimeSpan.Zero; });

        await writer.WriteAsync([Point(1)]);
        var firstFlush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience); // the loop is now stuck sending point 1
        await writer.WriteAsync(Points(2, 5)); // room for 3: points 2 and 3 are dropped

        Assert.Equal(2, Metrics.InfluxPointsDropped.Value);
        Assert.Equal(4, Metrics.InfluxPointsBuffered.Value); // 1 in flight + 3 waiting

        gate.SetResult();
        await firstFlush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(Lines(Points(4, 3)), Handler.Requests[^1].Text);
        Assert.Equal(4, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsBuffered.Value);
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("dropped"));
    }

    [Fact]
    public async Task Overflow_WaitMode_AppliesBackPressureAndLosesNothing()
    {
        var gate = Handler.EnqueueBlocked();
        var writer = CreateWriter(o => { o.BufferCapacity = 2; o.BufferFullMode = BufferFullMode.Wait; });

        await writer.WriteAsync([Point(1)]);
        var firstFlush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        var blockedWrite = writer.WriteAsync(Points(2, 3)).AsTask();

        Assert.False(blockedWrite.IsCompleted);
        Assert.Equal(3, Metrics.InfluxPointsBuffered.Value); // 1 in flight + 2 waiting, the third not yet accepted

        gate.SetResult();
        await blockedWrite.WaitAsync(Patience);
        await firstFlush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(Lines(Points(1, 4)), string.Concat(Handler.Requests.Select(r => r.Text)));
        Assert.Equal(0, Metrics.InfluxPointsDropped.Value);
        Assert.Equal(4, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task V1_PostsToWriteWithDatabaseRetentionPolicyPrecisionAndCredentials()
    {
        var writer = CreateWriter(o =>
        {
            o.Url = new Uri("http://influx.test:8086/");
            o.Database = "mon itor";
            o.RetentionPolicy = "short";
            o.Username = "writer";
            o.Password = "p@ss&word";
        });

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(
            "http://influx.test:8086/write?db=mon%20itor&rp=short&precision=ms",
            request.Uri.AbsoluteUri);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("writer:p@ss&word")), request.Authorization);
    }

    [Fact]
    public async Task V1_WithoutCredentials_SendsNoUserOrPassword()
    {
        var writer = CreateWriter();

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal("http://influx.test:8086/write?db=monitor&precision=ms", Assert.Single(Handler.Requests).Uri.AbsoluteUri);
    }

    [Fact]
    public async Task V1_WithAToken_SendsIt_AsTheV1CompatibilityApiOfInfluxDb2Expects()
    {
        var writer = CreateWriter(o => o.Token = "v1-compat-token");

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal("http://influx.test:8086/write?db=monitor&precision=ms", request.Uri.AbsoluteUri);
        Assert.Equal("Token v1-compat-token", request.Authorization);
    }

    [Fact]
    public void V1_WithAUserNameAndAToken_IsRefused_ByTheOptionsAndBySettingsAndCheck()
    {
        var options = new InfluxOptions { Username = "writer", Token = "tok-secret" };
        var settings = Path.Combine(Path.GetTempPath(), $"monitor-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(settings, "influx:\n  url: http://influx.test:8086\n  username: writer\n");
        try
        {
            var refused = Assert.Throws<ArgumentException>(options.Validate);
            var (_, errors) = Monitor.Settings.SettingsLoader.Load(settings, name => name == "MONITOR_INFLUX_TOKEN" ? "tok-secret" : null);

            Assert.Contains("not both", refused.Message);
            Assert.DoesNotContain("tok-secret", refused.Message);
            var error = Assert.Single(errors);
            Assert.Contains("influx api v1 has both a user name and a token", error.Message);
            Assert.DoesNotContain("tok-secret", error.ToString());
        }
        finally
        {
            File.Delete(settings);
        }
    }

    [Fact]
    public async Task V2_PostsToApiV2WriteWithTokenHeader()
    {
        var writer = CreateWriter(o =>
        {
            o.Url = new Uri("https://cloud.test/influx/");
            o.Api = InfluxApi.V2;
            o.Org = "acme";
            o.Bucket = "war room";
            o.Token = "s3cret-token";
        });

        await writer.WriteAsync([Point(1)]);
        await writer.FlushAsync().WaitAsync(Patience);

        var request = Assert.Single(Handler.Requests);
        Assert.Equal("https://cloud.test/influx/api/v2/write?org=acme&bucket=war%20room&precision=ms", request.Uri.AbsoluteUri);
        Assert.Equal("Token s3cret-token", request.Authorization);
    }

    [Fact]
    public void Options_ToStringRedactsSecrets()
    {
        var v1 = new InfluxOptions { Url = new Uri("http://admin:urlsecret@influx.test:8086"), Username = "writer", Password = "pw-secret" };
        var v2 = new InfluxOptions { Api = InfluxApi.V2, Org = "acme", Bucket = "b", Token = "tok-secret" };

        Assert.DoesNotContain("pw-secret", v1.ToString());
        Assert.DoesNotContain("urlsecret", v1.ToString());
        Assert.Contains("writer", v1.ToString());
        Assert.DoesNotContain("tok-secret", v2.ToString());
        Assert.Contains("Token = ***", v2.ToString());
    }

    [Fact]
    public void Options_V2WithoutBucket_IsRejected()
    {
        var options = new InfluxOptions { Api = InfluxApi.V2, Org = "acme" };

        Assert.Throws<ArgumentException>(() => new InfluxWriter(options, Http, Metrics, Time, Logger));
    }

    [Fact]
    public async Task Flush_WritesEverythingAcceptedBeforeWithoutWaitingForTheInterval()
    {
        var writer = CreateWriter(o => o.BatchSize = 2);

        await writer.WriteAsync(Points(1, 5));
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(Lines(Points(1, 5)), string.Concat(Handler.Requests.Select(r => r.Text)));
        Assert.Equal(5, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsBuffered.Value);
        Assert.Equal(Time.Start, Time.GetUtcNow());
    }

    [Fact]
    public async Task Flush_WithNothingBuffered_CompletesAtOnce()
    {
        var writer = CreateWriter();

        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Flush_ThrowsWhenCancelled()
    {
        Handler.EnqueueBlocked();
        var writer = CreateWriter();
        await writer.WriteAsync([Point(1)]);
        using var cancel = new CancellationTokenSource();

        var flush = writer.FlushAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush.WaitAsync(Patience));
    }

    [Fact]
    public async Task PointsWithoutFiniteFields_CountAsFailedAndAreNotSent()
    {
        var writer = CreateWriter();
        var nan = new MetricPoint("m", [], [MetricField.Float("p50", double.NaN)], 1);

        await writer.WriteAsync([nan, Point(2)]);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(Lines(Point(2)), Assert.Single(Handler.Requests).Text);
        Assert.Equal(1, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(1, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task Dispose_WritesWhatIsBufferedThenRefusesWrites()
    {
        var writer = CreateWriter();
        await writer.WriteAsync(Points(1, 3));

        await writer.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(Lines(Points(1, 3)), Assert.Single(Handler.Requests).Text);
        Assert.Equal(3, Metrics.InfluxPointsWritten.Value);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync([Point(4)]).AsTask());
        await writer.FlushAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task Dispose_GivesUpAfterShutdownTimeoutAndCountsTheRestFailed()
    {
        Handler.Enqueue(ScriptedHandler.NeverAnswer);
        var writer = CreateWriter(o => { o.ShutdownTimeout = TimeSpan.FromSeconds(4); o.RequestTimeout = TimeSpan.FromMinutes(1); });
        await writer.WriteAsync(Points(1, 2));
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);

        var dispose = writer.DisposeAsync().AsTask();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(4)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(4));
        await dispose.WaitAsync(Patience);
        await flush.WaitAsync(Patience);

        Assert.Equal(2, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(0, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsBuffered.Value);
    }

}

/// <summary>A FakeTimeProvider that lets a test wait until the code under test has started a timer of a given length.</summary>
public sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _scheduled = [];
    private readonly List<(TimeSpan Due, TaskCompletionSource Done)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        Scheduled(dueTime);
        return timer;
    }

    /// <summary>Completes once a timer due after <paramref name="due"/> has been created or re-armed.</summary>
    public Task WaitForTimerAsync(TimeSpan due)
    {
        lock (_gate)
        {
            if (_scheduled.Remove(due))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((due, done));
            return done.Task;
        }
    }

    private void Scheduled(TimeSpan due)
    {
        if (due == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        lock (_gate)
        {
            var index = _waiters.FindIndex(w => w.Due == due);
            if (index >= 0)
            {
                _waiters[index].Done.SetResult();
                _waiters.RemoveAt(index);
            }
            else
            {
                _scheduled.Add(due);
            }
        }
    }

    private sealed class WatchedTimer(ITimer inner, TimerWatchingTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.Scheduled(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Records every request and answers from a script (204 once the script is used up).</summary>
public sealed class ScriptedHandler(TimeProvider time) : HttpMessageHandler
{
    public static readonly Func<CancellationToken, Task<HttpResponseMessage>> NeverAnswer = async cancellationToken =>
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    };

    private readonly object _gate = new();
    private readonly Queue<Func<CancellationToken, Task<HttpResponseMessage>>> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly List<TaskCompletionSource> _gates = [];

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>How many scripted answers are still waiting for their request.</summary>
    public int Scripted
    {
        get
        {
            lock (_gate)
            {
                return _script.Count;
            }
        }
    }

    public void Enqueue(HttpStatusCode status, Action<HttpResponseMessage>? configure = null) =>
        Enqueue(_ =>
        {
            var response = new HttpResponseMessage(status);
            configure?.Invoke(response);
            return Task.FromResult(response);
        });

    public void Enqueue(Func<CancellationToken, Task<HttpResponseMessage>> respond)
    {
        lock (_gate)
        {
            _script.Enqueue(respond);
        }
    }

    /// <summary>The next request waits (204 afterwards) until the returned source is completed.</summary>
    public TaskCompletionSource EnqueueBlocked()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _gates.Add(gate);
        }

        Enqueue(async cancellationToken =>
        {
            await gate.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        return gate;
    }

    public void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (var gate in _gates)
            {
                gate.TrySetResult();
            }
        }
    }

    public Task WaitForRequestsAsync(int count)
    {
        lock (_gate)
        {
            if (_requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var recorded = new RecordedRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.Authorization?.ToString(),
            request.Content?.Headers.ContentEncoding.ToArray() ?? [],
            request.Content?.Headers.ContentType?.ToString(),
            body,
            time.GetUtcNow());

        Func<CancellationToken, Task<HttpResponseMessage>>? respond;
        lock (_gate)
        {
            _requests.Add(recorded);
            foreach (var waiter in _waiters.Where(w => w.Count <= _requests.Count).ToArray())
            {
                waiter.Done.SetResult();
                _waiters.Remove(waiter);
            }

            _script.TryDequeue(out respond);
        }

        return respond is null ? new HttpResponseMessage(HttpStatusCode.NoContent) : await respond(cancellationToken);
    }
}

public sealed record RecordedRequest(
    HttpMethod Method,
    Uri Uri,
    string? Authorization,
    string[] ContentEncoding,
    string? ContentType,
    byte[] Body,
    DateTimeOffset At)
{
    /// <summary>The body as text, gunzipped when it was sent compressed.</summary>
    public string Text
    {
        get
        {
            if (!ContentEncoding.Contains("gzip"))
            {
                return Encoding.UTF8.GetString(Body);
            }

            using var gzip = new GZipStream(new MemoryStream(Body), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }
}

public sealed class ListLogger<T> : ILogger<T>
{
    private readonly object _gate = new();
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
