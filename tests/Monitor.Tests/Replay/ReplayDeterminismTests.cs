using Microsoft.Extensions.Logging.Abstractions;
using Monitor.Core.Metrics;
using Monitor.Keywords;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Monitor.Replay;
using Monitor.Simulation;
using Prometheus;

namespace Monitor.Tests.Replay;

/// <summary>Replays of the simulator's Double-11 traffic are byte-identical, in order and shuffled within the lateness.</summary>
public sealed class ReplayDeterminismTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("replay-").FullName;

    [Fact]
    public async Task Replay_OfShuffledEventsWithinLateness_WritesIdenticalLineProtocol()
    {
        var events = new Double11Scenario()
            .Generate(new SimulationOptions { Duration = TimeSpan.FromMinutes(10), Shops = 20 })
            .ToArray();
        var ordered = Path.Combine(_directory, "ordered.jsonl");
        JsonlEventFile.Write(ordered, events);

        // Displace every event by up to 25 s (lateness 30 s), deterministically.
        var random = new Random(7);
        var shuffled = Path.Combine(_directory, "shuffled.jsonl");
        JsonlEventFile.Write(shuffled, events.OrderBy(e => e.TimestampMs + random.Next(25_000)).ToArray());

        var first = await ReplayToFileAsync(ordered, "first.lp");
        var again = await ReplayToFileAsync(ordered, "again.lp");
        var fromShuffled = await ReplayToFileAsync(shuffled, "shuffled.lp");

        Assert.True(first.Length > 1000, $"expected a real replay, got {first.Length} bytes");
        var text = System.Text.Encoding.UTF8.GetString(first);
        foreach (var measurement in new[] { "response_time,", "backlog,", "call_answer,", "call_handle,", "shipping,", "orders,", "complaint_keywords,", "bot,", "crisis," })
        {
            Assert.Contains("\n" + measurement, text);
        }

        Assert.Equal(first, again);
        Assert.Equal(first, fromShuffled);
    }

    [Fact]
    public async Task Replay_CountsBadLines_AndAppliesTheRest()
    {
        var file = Path.Combine(_directory, "chats.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            "{\"type\":\"message\",\"eventId\":\"e1\",\"shopId\":\"s1\",\"ts\":1700000000000,\"conversationId\":\"c1\",\"sender\":\"customer\",\"text\":\"secret words\"}",
            "not json",
            "",
            "{\"type\":\"call_queued\",\"eventId\":\"e2\",\"shopId\":\"s1\",\"ts\":1700000001000,\"callId\":\"k1\"}",
            "{\"type\":\"message\",\"eventId\":\"e1\",\"shopId\":\"s1\",\"ts\":1700000000000,\"conversationId\":\"c1\",\"sender\":\"customer\"}",
            "{\"type\":\"message\",\"eventId\":\"e3\",\"shopId\":\"s1\",\"ts\":1700000012000,\"conversationId\":\"c1\",\"sender\":\"agent\"}",
        ]);
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var output = Path.Combine(_directory, "out.lp");
        await using (var sink = new LineProtocolFileSink(output))
        {
            using var deadLetters = new FileDeadLetterSink(Path.Combine(_directory, "dead.jsonl"), NullLogger.Instance);
            var summary = new ReplayRunner(new EngineOptions(), metrics, new PointRouter(metrics, [sink]), deadLetters).Run([file]);
            Assert.Equal(5, summary.Lines);
            Assert.Equal(2, summary.Accepted);
            Assert.Equal(2, summary.Invalid);
            Assert.Equal(1, summary.Duplicates);
        }

        Assert.Equal(1, metrics.EventsInvalid.WithLabels("chats", "malformed_json").Value);
        Assert.Equal(1, metrics.EventsInvalid.WithLabels("chats", "wrong_topic").Value);
        var lines = await File.ReadAllTextAsync(output);
        Assert.Contains("response_time,channel=chat,kind=first,responder=agent,shop=s1 count=1i,p50=12,", lines);
        Assert.DoesNotContain("secret", lines);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_directory, "dead.jsonl")).Length);
    }

    [Fact]
    public async Task Replay_RejectsEventsAfterNotAfter_SoAnAbsurdTimestampCannotMakeTheRestLate()
    {
        var file = Path.Combine(_directory, "calls.jsonl"); // the file name gives the topic
        await File.WriteAllLinesAsync(file,
        [
            "{\"type\":\"call_queued\",\"eventId\":\"e1\",\"shopId\":\"s1\",\"ts\":1700000000000,\"callId\":\"k1\"}",
            // 2099: inside the decoder's 2000..2100 range, far after the replay's limit.
            "{\"type\":\"call_queued\",\"eventId\":\"e2\",\"shopId\":\"s1\",\"ts\":\"2099-12-31T23:00:00Z\",\"callId\":\"k2\"}",
            "{\"type\":\"call_answered\",\"eventId\":\"e3\",\"shopId\":\"s1\",\"ts\":1700000020000,\"callId\":\"k1\"}",
            "{\"type\":\"call_queued\",\"eventId\":\"e4\",\"shopId\":\"s1\",\"ts\":1700000030000,\"callId\":\"k3\"}",
        ]);
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var deadFile = Path.Combine(_directory, "future-dead.jsonl");
        var output = Path.Combine(_directory, "future.lp");
        ReplaySummary summary;
        await using (var sink = new LineProtocolFileSink(output))
        {
            using var deadLetters = new FileDeadLetterSink(deadFile, NullLogger.Instance);
            var runner = new ReplayRunner(new EngineOptions(), metrics, new PointRouter(metrics, [sink]), deadLetters)
            {
                NotAfter = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000).AddDays(1),
            };
            summary = runner.Run([file]);
        }

        Assert.Equal(3, summary.Accepted);
        Assert.Equal(1, summary.Invalid);
        Assert.Equal(0, summary.Late);
        Assert.Equal(1, metrics.EventsInvalid.WithLabels("calls", "future_timestamp").Value);
        Assert.Contains("2099-12-31", Assert.Single(File.ReadAllLines(deadFile))); // the line unchanged; its reason is logged
        var lines = File.ReadAllLines(output);
        Assert.Contains(lines, line => line.StartsWith("call_answer,", StringComparison.Ordinal) && line.Contains("answered=1i", StringComparison.Ordinal));
        // Nothing was emitted for a boundary in 2099: the last point is near the real events.
        var newestMs = lines.Select(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..])).Max();
        Assert.InRange(newestMs, 1700000030000, 1700000000000 + (long)TimeSpan.FromHours(1).TotalMilliseconds);
    }

    [Fact]
    public async Task Replay_RejectsEventsOlderThanTheMaxAgeBehindItsNewest_AsTooOld()
    {
        var file = Path.Combine(_directory, "calls-old.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            "{\"type\":\"call_queued\",\"eventId\":\"e1\",\"shopId\":\"s1\",\"ts\":1700000000000,\"callId\":\"k1\"}",
            "{\"type\":\"call_queued\",\"eventId\":\"e2\",\"shopId\":\"s1\",\"ts\":1700007200000,\"callId\":\"k2\"}",
            // 2001, and one 2 h behind the newest: both beyond the 61 min a shop's state reaches back.
            "{\"type\":\"call_queued\",\"eventId\":\"e3\",\"shopId\":\"s1\",\"ts\":\"2001-01-01T00:00:00Z\",\"callId\":\"k3\"}",
            "{\"type\":\"call_answered\",\"eventId\":\"e4\",\"shopId\":\"s1\",\"ts\":1700000000500,\"callId\":\"k1\"}",
            // 50 min behind: older than the watermark (late), younger than the max age: applied.
            "{\"type\":\"call_queued\",\"eventId\":\"e5\",\"shopId\":\"s1\",\"ts\":1700004200000,\"callId\":\"k5\"}",
        ]);
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        ReplaySummary summary;
        await using (var sink = new LineProtocolFileSink(Path.Combine(_directory, "old.lp")))
        {
            using var deadLetters = new FileDeadLetterSink(null, NullLogger.Instance);
            summary = new ReplayRunner(new EngineOptions(), metrics, new PointRouter(metrics, [sink]), deadLetters)
            {
                NotAfter = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000).AddDays(1),
            }.Run([file]);
        }

        Assert.Equal(3, summary.Accepted);
        Assert.Equal(2, metrics.EventsInvalid.WithLabels("calls", "too_old").Value);
        Assert.Equal(1, summary.Late);
    }

    private async Task<byte[]> ReplayToFileAsync(string input, string name)
    {
        var metrics = new MonitorMetrics(Metrics.NewCustomRegistry());
        var output = Path.Combine(_directory, name);
        await using (var sink = new LineProtocolFileSink(output))
        {
            using var deadLetters = new FileDeadLetterSink(null, NullLogger.Instance);
            // Every family, keywords included, so determinism covers all of them.
            var engine = new EngineOptions { Keywords = KeywordSetup.Load(null).Holder };
            var summary = new ReplayRunner(engine, metrics, new PointRouter(metrics, [sink]), deadLetters).Run([input]);
            Assert.Equal(0, summary.Late);
            Assert.Equal(0, summary.Invalid);
        }

        return await File.ReadAllBytesAsync(output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
