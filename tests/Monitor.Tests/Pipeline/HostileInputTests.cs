using System.Reactive.Linq;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Replay;
using Monitor.Simulation;
using Prometheus;
using Xunit.Abstractions;

namespace Monitor.Tests.Pipeline;

/// <summary>
/// Issue 6, "hostile input": over 100,000 mutated messages through the intake and the replay
/// pipeline — nothing escapes, every message is counted once, every rejection is dead-lettered
/// with a known reason, and absurd timestamps never move the watermark.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int MinimumMutants = 100_000;

    private static readonly long Y2000Ms = new DecoderOptions().MinTimestamp.ToUnixTimeMilliseconds();

    private static readonly long Y2100Ms = new DecoderOptions().MaxTimestamp.ToUnixTimeMilliseconds();

    private static readonly HashSet<string> KnownReasons =
        [.. Enum.GetValues<InvalidReason>().Select(InvalidReasons.Label).Where(label => label != "unknown")];

    [Fact]
    public void Intake_OfMutatedMessages_CountsEachOnce_DeadLettersEveryRejection_AndOnlyAcceptedEventTimesMoveTheWatermark()
    {
        var valid = new Double11Scenario()
            .Generate(new SimulationOptions { Seed = 11, Shops = 10, EventsPerSecond = 100, Duration = TimeSpan.FromMinutes(3) })
            .ToArray();
        var validMinMs = valid.Min(e => e.TimestampMs);
        var validMaxMs = valid.Max(e => e.TimestampMs);
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadLetters = new RecordingDeadLetters();
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters);
        var messages = new HostileMessages(seed: 6);
        var sentBefore = new Random(66);
        var mutantsPerValid = (MinimumMutants + valid.Length - 1) / valid.Length;
        var hugeEvery = valid.Length / 20;
        List<MonitorEvent> accepted = [];
        Dictionary<string, int[]> tally = new(StringComparer.Ordinal);
        long total = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        void Send(HostileMessage message)
        {
            total++;
            var (acceptedBefore, invalidBefore, duplicatesBefore, dead) = (intake.Accepted, intake.Invalid, intake.Duplicates, deadLetters.Count);
            var e = intake.Accept(message.Topic, Names.TryParseTopic(message.Topic, out var topic) ? topic : null, null, message.Payload, $"fuzz:{total}");
            var outcome = intake.Accepted > acceptedBefore ? Expected.Accept : intake.Invalid > invalidBefore ? Expected.Reject : Expected.Duplicate;
            Assert.Equal(1, intake.Accepted + intake.Invalid + intake.Duplicates - acceptedBefore - invalidBefore - duplicatesBefore);
            Assert.Equal(outcome == Expected.Accept, e is not null);
            Assert.Equal(outcome == Expected.Reject ? dead + 1 : dead, deadLetters.Count);
            if (message.Expected != Expected.Any)
            {
                Assert.True(message.Expected == outcome, $"{message.Kind} #{total}: expected {message.Expected}, got {outcome}: {System.Text.Encoding.UTF8.GetString(message.Payload.AsSpan(0, Math.Min(message.Payload.Length, 400)))}");
            }

            if (outcome == Expected.Reject)
            {
                Assert.Contains(deadLetters.LastReason!, KnownReasons);
                Assert.False(string.IsNullOrEmpty(deadLetters.LastDetail), $"{message.Kind} #{total}: no detail");
                Assert.True(deadLetters.LastPayload == message.Payload, "the dead letter carries the message unchanged");
                Assert.True(message.Reason is null || message.Reason == deadLetters.LastReason, $"{message.Kind} #{total}: expected {message.Reason}, got {deadLetters.LastReason} ({deadLetters.LastDetail})");
            }

            if (e is not null)
            {
                accepted.Add(e);

                // Only a random byte flip can forge a plausible timestamp (a digit of the year); every
                // deliberate timestamp mutation is outside 2000..2100 and must have been rejected.
                Assert.True(message.Kind == "byte_flip" || (e.TimestampMs >= validMinMs && e.TimestampMs <= validMaxMs), $"{message.Kind} #{total} got in with ts {e.TimestampMs}");
            }

            if (!tally.TryGetValue(message.Kind, out var counts))
            {
                counts = new int[3];
                tally[message.Kind] = counts;
            }

            counts[(int)outcome]++;
        }

        for (var i = 0; i < valid.Length; i++)
        {
            Send(new HostileMessage("valid", valid[i].Topic, valid[i].Json, Expected.Accept));
            for (var m = 0; m < mutantsPerValid; m++)
            {
                Send(messages.Mutate(valid[sentBefore.Next(i + 1)], valid[sentBefore.Next(i + 1)]));
            }

            if (i > 0 && i % hugeEvery == 0)
            {
                Send(messages.Huge(valid[i], 1 << 20, "huge_string_1mb"));
            }

            if (i % (valid.Length / 3) == 1)
            {
                Send(messages.Huge(valid[i], 10 << 20, "payload_10mb"));
            }
        }

        var intakeTime = clock.Elapsed;

        // Replay mode: the accepted events alone drive event time through the engine.
        long watermark = long.MinValue;
        long late = 0;
        long points = 0;
        Exception? failure = null;
        var hooks = new PipelineHooks { WatermarkAdvanced = w => watermark = Math.Max(watermark, w), Late = _ => late++ };
        using (accepted.Select(e => PipelineInput.Of(e)).ToObservable(System.Reactive.Concurrency.ImmediateScheduler.Instance)
                   .ToMetricPoints(new EngineOptions(), hooks)
                   .Subscribe(batch => points += batch.Count, error => failure = error))
        {
        }

        foreach (var (kind, counts) in tally.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{kind,-26} accepted {counts[0],7} rejected {counts[1],7} duplicate {counts[2],7}");
        }

        output.WriteLine($"{total} messages ({total - valid.Length} mutants) in {intakeTime.TotalSeconds:F1} s intake, {clock.Elapsed.TotalSeconds:F1} s with the pipeline; {points} points, {late} late, watermark {DateTimeOffset.FromUnixTimeMilliseconds(watermark):O}");

        Assert.Null(failure);
        Assert.True(total - valid.Length >= MinimumMutants, $"{total - valid.Length} mutants");
        Assert.Equal(total, intake.Accepted + intake.Invalid + intake.Duplicates);
        Assert.Equal(intake.Accepted, accepted.Count);
        Assert.Equal(intake.Invalid, deadLetters.Count);
        Assert.Equal(intake.Invalid, Sum(metrics.EventsInvalid));
        Assert.Equal(intake.Duplicates, Sum(metrics.EventsDuplicate));
        Assert.Equal(total, Sum(metrics.EventsConsumed));
        Assert.Equal(valid.Length, tally["valid"][(int)Expected.Accept]);
        Assert.Superset(valid.Select(e => EventId(e)).ToHashSet(StringComparer.Ordinal), accepted.Select(e => e.EventId).ToHashSet(StringComparer.Ordinal));

        // Nothing outside the documented 2000..2100 got in, and a rejected message never moves event
        // time: the watermark is bounded by the newest accepted event. Replay mode has no clock, so a
        // flipped year digit inside the range (2025 -> 2089) is accepted and does move the watermark
        // (future_timestamp is live mode only, docs/events.md); see LiveIntake_... for the live rule.
        var newestAcceptedMs = accepted.Max(e => e.TimestampMs);
        var forged = accepted.Count(e => e.TimestampMs > validMaxMs || e.TimestampMs < validMinMs);
        output.WriteLine($"{forged} accepted byte flips carry a plausible timestamp outside the valid events' span; newest {DateTimeOffset.FromUnixTimeMilliseconds(newestAcceptedMs):O}");
        Assert.All(accepted, e => Assert.InRange(e.TimestampMs, Y2000Ms, Y2100Ms - 1));
        Assert.InRange(watermark, validMinMs, newestAcceptedMs + (long)new EngineOptions().Step.TotalMilliseconds);
    }

    [Fact]
    public void LiveIntake_FarFutureTimestampWithinTheDocumentedRange_IsRejectedAsFutureTimestamp()
    {
        var nowMs = SimulationOptions.DefaultStart.ToUnixTimeMilliseconds();
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadLetters = new RecordingDeadLetters();
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters, () => nowMs + 300_000);

        var e = intake.Accept("calls", Topic.Calls, null, "{\"type\":\"call_queued\",\"eventId\":\"e1\",\"shopId\":\"s1\",\"ts\":\"2099-01-01T00:00:00Z\",\"callId\":\"c1\"}"u8.ToArray(), "calls[0]@1");

        Assert.Null(e);
        Assert.Equal("future_timestamp", deadLetters.LastReason);
        Assert.Equal(1, metrics.EventsInvalid.WithLabels("calls", "future_timestamp").Value);
    }

    [Fact]
    public void ShopCap_RefusesANewShopBeyondIt_AsOverCapacity_ExistingShopsGoOn_AndQuietShopsMakeRoom()
    {
        var t0 = SimulationOptions.DefaultStart.ToUnixTimeMilliseconds();
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadLetters = new RecordingDeadLetters();
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters)
        {
            Admission = new ShopAdmission(maxShops: 3, forgetAfter: TimeSpan.FromHours(2)),
        };
        var id = 0;
        MonitorEvent? Call(string shop, long ts) =>
            intake.Accept("calls", Topic.Calls, null, System.Text.Encoding.UTF8.GetBytes($$"""{"type":"call_queued","eventId":"e{{++id}}","shopId":"{{shop}}","ts":{{ts}},"callId":"c{{id}}"}"""), $"calls[0]@{id}");

        Assert.NotNull(Call("s1", t0));
        Assert.NotNull(Call("s2", t0 + 1));
        Assert.NotNull(Call("s3", t0 + 2));
        Assert.Null(Call("fake-1", t0 + 3));
        Assert.Equal("over_capacity", deadLetters.LastReason);
        Assert.Contains("pipeline.maxShops", deadLetters.LastDetail);
        Assert.NotNull(Call("s1", t0 + 4)); // a shop already here keeps working

        // Three hours on, s2 and s3 have been quiet past the TTL and window: a new shop finds room.
        Assert.NotNull(Call("s1", t0 + 3 * 3_600_000));
        Assert.NotNull(Call("s4", t0 + 3 * 3_600_000 + 1));
        Assert.Equal(1, metrics.EventsInvalid.WithLabels("calls", "over_capacity").Value);
        Assert.Equal(1, deadLetters.Count);
    }

    /// <summary>
    /// A replay over a cap: per shop (one shop floods new conversations) or for the instance (four
    /// shops, each far below the per-shop cap, together pass <c>pipeline.maxItems</c>). The events
    /// beyond are dead-lettered with their bytes as <c>over_capacity</c>, saying which cap; the rest
    /// is applied.
    /// </summary>
    [Theory]
    [InlineData("shop", "s1 c1, s1 c2, s1 c3, s1 flood-1, s1 c1, s1 flood-2", "a new conversation beyond pipeline.maxItemsPerShop (3 held by the shop)")]
    [InlineData("instance", "s1 c1, s2 c2, s3 c3, s4 c4, s1 c1, s1 c5", "a new conversation beyond pipeline.maxItems (3 held by the instance)")]
    public void ItemCaps_ANewConversationBeyondOne_IsDeadLetteredWithItsBytes_AsOverCapacity_AndTheRestIsApplied(string cap, string messages, string detail)
    {
        var directory = Directory.CreateTempSubdirectory("item-cap-").FullName;
        try
        {
            var t0 = SimulationOptions.DefaultStart.ToUnixTimeMilliseconds();
            var lines = messages.Split(", ").Select((message, i) => message.Split(' ') is [var shop, var conversation]
                ? $$"""{"type":"message","eventId":"m{{i}}","shopId":"{{shop}}","ts":{{t0 + i * 1000}},"conversationId":"{{conversation}}","channel":"chat","sender":"customer","text":"hello"}"""
                : throw new ArgumentException(message)).ToArray();
            var file = Path.Combine(directory, "chats.jsonl");
            File.WriteAllLines(file, lines);
            var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
            var deadLetters = new RecordingDeadLetters();
            var router = new PointRouter(metrics, []);
            var engine = cap == "shop" ? new EngineOptions { MaxItemsPerShop = 3 } : new EngineOptions { MaxItems = 3 };

            var summary = new ReplayRunner(engine, metrics, router, deadLetters).Run([file]);

            Assert.Equal(4, summary.Accepted);
            Assert.Equal(2, summary.Invalid);
            Assert.Equal(2, deadLetters.Count);
            Assert.Equal("over_capacity", deadLetters.LastReason);
            Assert.Contains(detail, deadLetters.LastDetail);
            Assert.Equal(lines[5], System.Text.Encoding.UTF8.GetString(deadLetters.LastPayload!));
            Assert.Equal(2, metrics.EventsInvalid.WithLabels("chats", "over_capacity").Value);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ItemCap_DuringTheRebuild_IsCountedAsRebuildRejected_NotDeadLetteredASecondTime()
    {
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadLetters = new RecordingDeadLetters();
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, deadLetters);
        var ts = SimulationOptions.DefaultStart.ToUnixTimeMilliseconds();
        var payload = System.Text.Encoding.UTF8.GetBytes($$"""{"type":"call_queued","eventId":"e1","shopId":"s1","ts":{{ts}},"callId":"k1"}""");

        var e = intake.AcceptReplayed(Topic.Calls, payload, new EventIdDeduplicator());
        intake.Refused(e!, EventVerdict.Refused, new EngineOptions { MaxItemsPerShop = 3 });

        Assert.Equal(1, metrics.EventsRebuildRejected.WithLabels("calls", "over_capacity").Value);
        Assert.Equal(0, metrics.EventsInvalid.WithLabels("calls", "over_capacity").Value);
        Assert.Equal(0, deadLetters.Count);
    }

    private static string EventId(SimulatedEvent e) =>
        System.Text.Json.JsonDocument.Parse(e.Json).RootElement.GetProperty("eventId").GetString()!;

    private static long Sum(Counter counter) =>
        (long)counter.GetAllLabelValues().Sum(labels => counter.WithLabels(labels).Value);

    private sealed class RecordingDeadLetters : IDeadLetterSink
    {
        public long Count { get; private set; }

        public string? LastReason { get; private set; }

        public string? LastDetail { get; private set; }

        public byte[]? LastPayload { get; private set; }

        public void Send(string sourceTopic, byte[]? key, byte[] payload, InvalidReason reason, string detail, string origin)
        {
            Count++;
            LastReason = InvalidReasons.Label(reason);
            LastDetail = detail;
            LastPayload = payload;
        }
    }
}
