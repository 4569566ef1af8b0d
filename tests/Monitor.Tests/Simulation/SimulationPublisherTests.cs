using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

public sealed class SimulationPublisherTests
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 10, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PublishAsync_Unpaced_ProducesEveryEventWithTopicKeyAndBody_ThenFlushes()
    {
        var events = new Double11Scenario().Generate(new SimulationOptions { EventsPerSecond = 20 }).Take(5_000).ToList();
        var producer = new RecordingProducer();
        var reports = new List<PublishProgress>();

        var produced = await SimulationPublisher.PublishAsync(events, producer, 0, new FakeTimeProvider(T0), new SyncProgress(reports), CancellationToken.None);

        Assert.Equal(5_000, produced);
        Assert.Equal(events.Select(e => (e.Topic, e.Key, e.Json)), producer.Messages.Select(m => (m.Topic, m.Key, m.Value)));
        Assert.True(producer.Flushes > 0);
        Assert.Equal(new PublishProgress(5_000, 5_000, 0, events[^1].Timestamp, TimeSpan.Zero), reports[^1]);
    }

    [Fact]
    public async Task PublishAsync_Paced_ProducesEachEventAtItsScaledEventTime()
    {
        // Ten events a second apart, at speed 4: one every 250 ms of wall time.
        var events = Enumerable.Range(0, 10).Select(i => Event(i * 1_000L)).ToList();
        var time = new SteppingTimeProvider(T0);
        var producer = new RecordingProducer(time);

        var publishing = SimulationPublisher.PublishAsync(events, producer, 4, time, null, CancellationToken.None);
        await time.RunUntilCompleteAsync(publishing);

        Assert.Equal(10, await publishing);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => TimeSpan.FromMilliseconds(i * 250)), producer.Messages.Select(m => m.At - T0));
    }

    [Fact]
    public async Task PublishAsync_BehindSchedule_ProducesWithoutWaiting()
    {
        // A whole burst at the same event time, then one 100 ms later at speed 1: a single wait.
        var events = Enumerable.Range(0, 1_000).Select(_ => Event(0)).Append(Event(100)).ToList();
        var time = new SteppingTimeProvider(T0);
        var producer = new RecordingProducer(time);

        var publishing = SimulationPublisher.PublishAsync(events, producer, 1, time, null, CancellationToken.None);
        await time.RunUntilCompleteAsync(publishing);

        Assert.Equal(1_001, await publishing);
        Assert.Equal(1, time.TimersCreated);
        Assert.Equal(TimeSpan.FromMilliseconds(100), producer.Messages[^1].At - T0);
    }

    [Fact]
    public async Task PublishAsync_CountsFailedDeliveries()
    {
        var events = Enumerable.Range(0, 100).Select(i => Event(i)).ToList();
        var producer = new RecordingProducer { FailEvery = 10 };
        var reports = new List<PublishProgress>();

        var produced = await SimulationPublisher.PublishAsync(events, producer, double.PositiveInfinity, new FakeTimeProvider(T0), new SyncProgress(reports), CancellationToken.None);

        Assert.Equal(100, produced);
        Assert.Equal(10, reports[^1].Failed);
        Assert.Equal(90, reports[^1].Delivered);
    }

    [Fact]
    public async Task PublishAsync_Cancelled_StopsFlushesAndReturnsTheCountSoFar()
    {
        using var cancel = new CancellationTokenSource();
        var producer = new RecordingProducer();
        var events = Enumerable.Range(0, 1_000).Select(i =>
        {
            if (i == 300)
            {
                cancel.Cancel();
            }

            return Event(i);
        });

        var produced = await SimulationPublisher.PublishAsync(events, producer, 0, new FakeTimeProvider(T0), null, cancel.Token);

        Assert.Equal(300, produced);
        Assert.Equal(300, producer.Messages.Count);
        Assert.True(producer.Flushes > 0);
    }

    private static SimulatedEvent Event(long offsetMs) =>
        new(Double11Scenario.ChatsTopic, "shop-001", T0.ToUnixTimeMilliseconds() + offsetMs, "{}"u8.ToArray());

    /// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class SyncProgress(List<PublishProgress> reports) : IProgress<PublishProgress>
    {
        public void Report(PublishProgress value) => reports.Add(value);
    }

    /// <summary>Fake time that moves only when the code under test waits: each wait is advanced exactly.</summary>
    private sealed class SteppingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly ConcurrentQueue<TimeSpan> _waits = new();

        public int TimersCreated { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimersCreated++;
            _waits.Enqueue(dueTime);
            return timer;
        }

        public async Task RunUntilCompleteAsync(Task work)
        {
            var guard = Stopwatch.StartNew();
            while (!work.IsCompleted)
            {
                Assert.True(guard.Elapsed < TimeSpan.FromSeconds(30), "publisher did not finish");
                if (_waits.TryDequeue(out var wait))
                {
                    Advance(wait);
                }
                else
                {
                    await Task.Yield();
                }
            }
        }
    }

    private sealed class RecordingProducer(TimeProvider? time = null) : IProducer<string, byte[]>
    {
        public List<(string Topic, string Key, byte[] Value, DateTimeOffset At)> Messages { get; } = [];

        public int Flushes { get; private set; }

        public int FailEvery { get; init; }

        public Handle Handle => throw new NotSupportedException();

        public string Name => "recording";

        public void Produce(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null)
        {
            Messages.Add((topic, message.Key, message.Value, time?.GetUtcNow() ?? default));
            var failed = FailEvery > 0 && Messages.Count % FailEvery == 0;
            deliveryHandler?.Invoke(new DeliveryReport<string, byte[]>
            {
                Message = message,
                TopicPartitionOffset = new TopicPartitionOffset(topic, 0, Messages.Count),
                Error = new Error(failed ? ErrorCode.Local_MsgTimedOut : ErrorCode.NoError),
                Status = failed ? PersistenceStatus.NotPersisted : PersistenceStatus.Persisted,
            });
        }

        public int Flush(TimeSpan timeout)
        {
            Flushes++;
            return 0;
        }

        public void Flush(CancellationToken cancellationToken = default) => Flushes++;

        public void Produce(TopicPartition topicPartition, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>>? deliveryHandler = null) => throw new NotSupportedException();

        public Task<DeliveryResult<string, byte[]>> ProduceAsync(string topic, Message<string, byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException("one await per message");

        public Task<DeliveryResult<string, byte[]>> ProduceAsync(TopicPartition topicPartition, Message<string, byte[]> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public int Poll(TimeSpan timeout) => 0;

        public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();

        public void BeginTransaction() => throw new NotSupportedException();

        public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();

        public void CommitTransaction() => throw new NotSupportedException();

        public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();

        public void AbortTransaction() => throw new NotSupportedException();

        public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();

        public int AddBrokers(string brokers) => 0;

        public void SetSaslCredentials(string username, string password)
        {
        }

        public void Dispose()
        {
        }
    }
}
