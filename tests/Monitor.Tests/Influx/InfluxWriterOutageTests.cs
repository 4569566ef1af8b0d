using System.Net;
using Monitor.Core.Points;
using Monitor.Influx;
using Monitor.Observability;
using Monitor.Tests.Alerting;

namespace Monitor.Tests.Influx;

/// <summary>
/// The writer through an InfluxDB outage, in virtual time: batches are retried until InfluxDB is
/// back, a full buffer blocks the caller for at most MaxBlock and then drops the oldest points until
/// it drained below half, and every point accepted is written, failed or dropped exactly once.
/// </summary>
public sealed class InfluxWriterOutageTests : InfluxWriterTestBase
{
    protected override double DefaultJitter => 1.0;

    private static MetricPoint Point(int i) =>
        new("m", [KeyValuePair.Create("shop", "s1")], [MetricField.Int("v", i)], 1_000 + i);

    private static MetricPoint[] Points(int from, int count) => Enumerable.Range(from, count).Select(Point).ToArray();

    private static string Lines(IEnumerable<MetricPoint> points) => string.Concat(points.Select(p => LineProtocol.Format(p) + "\n"));

    private double Accounted => Metrics.InfluxPointsWritten.Value + Metrics.InfluxPointsFailed.Value + Metrics.InfluxPointsDropped.Value;

    [Fact]
    public async Task Outage_BatchIsRetriedUntilInfluxAnswers_NothingFails()
    {
        const int downAttempts = 20; // far more than the old 8 retries
        for (var i = 0; i < downAttempts; i++)
        {
            Handler.Enqueue(_ => throw new HttpRequestException("Connection refused"));
        }

        var writer = CreateWriter(o =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxBackoff = TimeSpan.FromMilliseconds(800);
        });

        await writer.WriteAsync(Points(1, 5));
        var flush = writer.FlushAsync();
        for (var retry = 1; retry <= downAttempts; retry++)
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(800, 100 * Math.Pow(2, retry - 1)));
            await Time.WaitForTimerAsync(delay).WaitAsync(Patience);
            Assert.Equal(0, Metrics.InfluxUp.Value);
            Assert.True(writer.Status.Degraded);
            Assert.Contains("InfluxDB unreachable", writer.Status.Describe());
            Time.Advance(delay);
        }

        await flush.WaitAsync(Patience);

        Assert.Equal(downAttempts + 1, Handler.Requests.Count);
        Assert.Equal(downAttempts, Metrics.InfluxRetries.Value);
        Assert.Equal(5, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(1, Metrics.InfluxUp.Value);
        Assert.False(writer.Status.Degraded);
        Assert.Null(writer.Status.UnreachableFor);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task PermanentRejection_CountsTheBatchFailed_WithoutRetry(HttpStatusCode status)
    {
        Handler.Enqueue(status);
        var writer = CreateWriter();

        await writer.WriteAsync(Points(1, 3));
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Single(Handler.Requests);
        Assert.Equal(0, Metrics.InfluxRetries.Value);
        Assert.Equal(3, Metrics.InfluxPointsFailed.Value);
        Assert.False(writer.Status.Degraded); // InfluxDB answered: not an outage
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task TransientAnswer_IsRetried(HttpStatusCode status)
    {
        Handler.Enqueue(status);
        var writer = CreateWriter(jitter: 0);

        await writer.WriteAsync(Points(1, 3));
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(2, Handler.Requests.Count);
        Assert.Equal(3, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsFailed.Value);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task RefusedCredentials_KeepTheBatchAndRetry_UntilTheCredentialsWorkAgain(HttpStatusCode status)
    {
        // A password rotated on the server before the monitor's secret: the points wait, they are not lost.
        Handler.Enqueue(status, r => r.Content = new StringContent("{\"error\":\"authorization failed\"}"));
        Handler.Enqueue(status, r => r.Content = new StringContent("{\"error\":\"authorization failed\"}"));
        var writer = CreateWriter(o => o.InitialBackoff = TimeSpan.FromMilliseconds(100));

        await writer.WriteAsync(Points(1, 3));
        var flush = writer.FlushAsync();
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience);
        var during = writer.Status;
        Time.Advance(TimeSpan.FromMilliseconds(100));
        await Time.WaitForTimerAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromMilliseconds(200));
        await flush.WaitAsync(Patience);

        Assert.True(during.Degraded);
        Assert.StartsWith($"InfluxDB refuses the credentials (HTTP {(int)status}) for", during.Describe());
        Assert.Equal(3, Handler.Requests.Count);
        Assert.Equal(3, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsFailed.Value);
        Assert.False(writer.Status.Degraded);
    }

    [Fact]
    public async Task FullBuffer_BlocksForMaxBlock_ThenDropsOldest_ThenBlocksAgainOnceDrained()
    {
        var outage = Handler.EnqueueBlocked();
        var writer = CreateWriter(o =>
        {
            o.BufferCapacity = 4;
            o.MaxBlock = TimeSpan.FromSeconds(30);
            o.BufferFullMode = BufferFullMode.DropOldest;
            o.RequestTimeout = TimeSpan.FromHours(1); // the stuck request stays stuck while time moves
        });

        await writer.WriteAsync([Point(1)]);
        var firstFlush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience); // point 1 in flight, InfluxDB not answering
        await writer.WriteAsync(Points(2, 4)); // the buffer is full now

        // Back-pressure: the caller waits on a timer of exactly MaxBlock (virtual), nothing is dropped...
        var blocked = writer.WriteAsync([Point(6)]).AsTask();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(30)).WaitAsync(Patience);
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(blocked.IsCompleted);
        Assert.Equal(0, Metrics.InfluxPointsDropped.Value);

        // ...for at most MaxBlock; then the oldest waiting point goes, and later writes do not wait.
        Time.Advance(TimeSpan.FromSeconds(1));
        await blocked.WaitAsync(Patience);
        Assert.Equal(1, Metrics.InfluxPointsDropped.Value);
        Assert.True(writer.Status.Dropping);
        Assert.True(writer.Status.Degraded);
        await writer.WriteAsync([Point(7)]).AsTask().WaitAsync(Patience);
        Assert.Equal(2, Metrics.InfluxPointsDropped.Value);
        Assert.Equal(5, Metrics.InfluxPointsBuffered.Value); // 1 in flight + 4 waiting
        Assert.Equal(30, Metrics.InfluxWriteBlocked.Value, precision: 3);

        // InfluxDB is back: the buffer drains and back-pressure resumes.
        outage.SetResult();
        await firstFlush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);
        Assert.False(writer.Status.Dropping);
        Assert.Equal(Lines(Points(1, 1).Concat(Points(4, 4))), string.Concat(Handler.Requests.Select(r => r.Text)));

        var second = Handler.EnqueueBlocked();
        await writer.WriteAsync([Point(8)]);
        var secondFlush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(3).WaitAsync(Patience);
        await writer.WriteAsync(Points(9, 4));
        var blockedAgain = writer.WriteAsync([Point(13)]).AsTask();
        await Time.WaitForTimerAsync(TimeSpan.FromSeconds(30)).WaitAsync(Patience); // it waits for room, for at most MaxBlock
        Assert.False(blockedAgain.IsCompleted);
        second.SetResult();
        await blockedAgain.WaitAsync(Patience);
        await secondFlush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(2, Metrics.InfluxPointsDropped.Value);
        Assert.Equal(11, Metrics.InfluxPointsWritten.Value);
        Assert.Equal(0, Metrics.InfluxPointsFailed.Value);
        Assert.Equal(13, Accounted);
        Assert.Single(Logger.Entries, e => e.Message.Contains("dropping the oldest points"));
    }

    [Fact]
    public async Task EveryPointAccepted_IsWrittenFailedOrDroppedExactlyOnce()
    {
        // jitter 0: every backoff is zero, so the scripted outage plays out without moving time.
        var random = new Random(6);
        for (var i = 0; i < 300; i++)
        {
            switch (random.Next(5))
            {
                case 0: Handler.Enqueue(HttpStatusCode.ServiceUnavailable); break;
                case 1: Handler.Enqueue(_ => throw new HttpRequestException("Connection refused")); break;
                case 2: Handler.Enqueue(HttpStatusCode.BadRequest); break;
                default: Handler.Enqueue(HttpStatusCode.NoContent); break;
            }
        }

        var writer = CreateWriter(
            o =>
            {
                o.BufferCapacity = 50;
                o.BatchSize = 7;
                o.MaxBlock = TimeSpan.Zero;
            },
            jitter: 0);

        var accepted = 0;
        for (var i = 0; i < 200; i++)
        {
            var count = random.Next(1, 30);
            await writer.WriteAsync(Points(accepted, count)).AsTask().WaitAsync(Patience);
            accepted += count;
            if (i % 20 == 0)
            {
                await writer.FlushAsync().WaitAsync(Patience);
            }
        }

        await writer.FlushAsync().WaitAsync(Patience);

        Assert.Equal(accepted, Accounted);
        Assert.Equal(0, Metrics.InfluxPointsBuffered.Value);
        Assert.True(Metrics.InfluxPointsFailed.Value > 0);
        Assert.True(Metrics.InfluxPointsWritten.Value > 0);
    }

    [Theory]
    [InlineData(BufferFullMode.DropOldest)]
    [InlineData(BufferFullMode.Wait)]
    public async Task FullBuffer_HoldsBoundaries_ForAtMostMaxBlock_WithoutBlockingTheCaller(BufferFullMode mode)
    {
        var outage = Handler.EnqueueBlocked();
        var writer = CreateWriter(o =>
        {
            o.BufferCapacity = 4;
            o.MaxBlock = TimeSpan.FromSeconds(30);
            o.BufferFullMode = mode;
            o.RequestTimeout = TimeSpan.FromHours(1);
        });

        await writer.WriteAsync([Point(1)]);
        var firstFlush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience); // point 1 in flight
        await writer.WriteAsync(Points(2, 2));
        Assert.False(writer.ShouldHoldBoundary()); // 2 of 4 waiting: room for another write of 2

        await writer.WriteAsync(Points(4, 2)); // full: the next boundary (as large) would not fit
        Assert.True(writer.ShouldHoldBoundary());
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(writer.ShouldHoldBoundary());
        Assert.Equal(0, Metrics.InfluxPointsDropped.Value);

        // MaxBlock: DropOldest starts dropping (writes make room), Wait lets the next write block.
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(writer.ShouldHoldBoundary());
        Assert.Equal(mode == BufferFullMode.DropOldest, writer.Status.Dropping);
        Assert.Equal(30, Metrics.InfluxWriteBlocked.Value, precision: 3);

        outage.SetResult();
        await firstFlush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);
        Assert.False(writer.ShouldHoldBoundary());
        Assert.Equal(5, Metrics.InfluxPointsWritten.Value);
    }

    [Fact]
    public async Task AHold_EndsOnceTheNextBoundaryFitsAgain_AndABoundaryLargerThanTheBufferIsNeverHeld()
    {
        var outage = Handler.EnqueueBlocked();
        var writer = CreateWriter(o =>
        {
            o.BufferCapacity = 4;
            o.BatchSize = 1;
            o.MaxBlock = TimeSpan.FromSeconds(30);
            o.RequestTimeout = TimeSpan.FromHours(1);
        });

        await writer.WriteAsync([Point(1)]);
        var flush = writer.FlushAsync();
        await Handler.WaitForRequestsAsync(1).WaitAsync(Patience);
        await writer.WriteAsync(Points(2, 4)); // 4 waiting: full
        Assert.True(writer.ShouldHoldBoundary());

        outage.SetResult(); // InfluxDB answers again; the rest go one per request
        await flush.WaitAsync(Patience);
        await writer.FlushAsync().WaitAsync(Patience);
        Assert.False(writer.ShouldHoldBoundary());
        Assert.Equal(5, Metrics.InfluxPointsWritten.Value);

        await writer.WriteAsync(Points(6, 5)); // more than the whole buffer: holding cannot help
        Assert.False(writer.ShouldHoldBoundary());
        await writer.FlushAsync().WaitAsync(Patience);
    }
}
