using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Points;
using Monitor.Core.Tests.Support;
using static Monitor.Core.Tests.Support.ChatEvents;

namespace Monitor.Core.Tests.Metrics;

/// <summary>Arrival order within the allowed lateness never changes the output (DESIGN §2).</summary>
public sealed class OutOfOrderTests
{
    private static readonly EngineOptions Options = new()
    {
        Step = TimeSpan.FromSeconds(10),
        ConversationWindow = TimeSpan.FromSeconds(60),
        AllowedLateness = TimeSpan.FromSeconds(30),
        SeriesTtl = TimeSpan.FromSeconds(120),
        ChatReplySla = TimeSpan.FromSeconds(5),
    };

    /// <summary>Eight events spanning 29 s (less than the lateness), with boundary hits and a same-millisecond customer/reply pair.</summary>
    private static MonitorEvent[] ShortHistory()
    {
        var chat = new ChatEvents();
        return
        [
            chat.Customer("c1", At(5)),
            chat.Customer("e1", At(10), TextChannel.Email),
            chat.Agent("c1", At(12)),
            chat.Customer("c3", At(19.5), shop: "s2"),
            chat.Agent("c4", At(20)),
            chat.Customer("c4", At(20)),
            chat.Bot("c3", At(30), shop: "s2"),
            chat.Closed("e1", At(34), TextChannel.Email),
        ];
    }

    [Fact]
    public void EveryPermutation_OfAHistoryWithinTheLateness_GivesIdenticalPoints()
    {
        var history = ShortHistory();
        var expected = RunInOrder(history);
        Assert.Contains(expected, p => p.Contains("response_time,channel=chat,kind=first,responder=agent,shop=s1 count=2i", StringComparison.Ordinal));
        Assert.Contains(expected, p => p.StartsWith("backlog,queue=email,shop=s1 waiting=1i,oldest_wait_seconds=10 ", StringComparison.Ordinal));

        var permutations = 0;
        foreach (var order in Permutations(history.Length))
        {
            var actual = Run(order.Select(i => history[i]));
            Assert.True(expected.SequenceEqual(actual), $"order {string.Join(',', order)} gave different points");
            permutations++;
        }

        Assert.Equal(40_320, permutations);
    }

    [Fact]
    public void RandomShuffles_DisplacedAtMostTheLateness_GiveIdenticalPoints()
    {
        var history = LongHistory(new Random(20241111), conversations: 60, spanSeconds: 600);
        var expected = RunInOrder(history);
        Assert.True(expected.Count > 500, $"only {expected.Count} points: the history is too thin to prove anything");

        var lateness = (long)Options.AllowedLateness.TotalMilliseconds;
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var arrival = history
                .Select(e => (Event: e, Key: e.TimestampMs + random.NextInt64(0, lateness + 1)))
                .OrderBy(x => x.Key)
                .Select(x => x.Event)
                .ToArray();
            Assert.False(arrival.SequenceEqual(history.OrderBy(e => e.TimestampMs)), "the shuffle did not reorder anything");

            Assert.Equal(expected, Run(arrival));
        }
    }

    [Fact]
    public void EventLaterThanTheLateness_IsCountedLate_AndNotInAlreadyEmittedPoints()
    {
        var chat = new ChatEvents();
        var onTime = new[]
        {
            chat.Customer("c1", At(5)),
            chat.Agent("c1", At(8)),
            chat.Customer("c3", At(60)),
            chat.Customer("c9", At(100)),
        };
        var reference = new RecordingEngine(Options).Feed(onTime);
        var run = new RecordingEngine(Options).Feed(onTime);
        Assert.Equal(At(70), run.Engine.Watermark);
        var emittedBefore = run.Points.Select(p => p.Describe()).ToList();
        Assert.Contains(run.Points, p => p.TimestampMs == At(70));

        var lateCustomer = chat.Customer("c2", At(50));
        var lateReply = chat.Agent("c3", At(65));
        Assert.False(run.Engine.Accept(lateCustomer));
        Assert.False(run.Engine.Accept(lateReply));

        Assert.Equal(emittedBefore, run.Points.Take(emittedBefore.Count).Select(p => p.Describe()));
        Assert.Equal(emittedBefore, reference.Points.Select(p => p.Describe()));
        Assert.Equal(emittedBefore.Count, run.Points.Count);

        run.Engine.Flush();
        reference.Engine.Flush();

        // Applied where still meaningful: later boundaries see the late wait and the late reply.
        Assert.All(run.Points.Skip(emittedBefore.Count), p => Assert.True(p.TimestampMs > At(70)));
        var backlog = run.BacklogAt(At(80));
        Assert.Equal(1, backlog.Value("waiting"));
        Assert.Equal(30.0, backlog.Value("oldest_wait_seconds"));
        Assert.Equal(20.0, reference.BacklogAt(At(80)).Value("oldest_wait_seconds"));
        var first = run.ResponseAt(At(80), "first", "agent");
        Assert.Equal(1, first.Value("count"));
        Assert.Equal(5.0, first.Value("max"));
        Assert.Equal(0, reference.ResponseAt(At(80), "first", "agent").Value("count"));
    }

    [Fact]
    public void EventExactlyAtTheWatermark_IsNotLate()
    {
        var chat = new ChatEvents();
        var run = new RecordingEngine(Options).Feed(chat.Customer("c1", At(45)));
        Assert.Equal(At(15), run.Engine.Watermark);

        Assert.True(run.Engine.Accept(chat.Customer("c2", At(15))));
        Assert.False(run.Engine.Accept(chat.Customer("c3", At(14.999))));
    }

    [Fact]
    public void RxOperator_OnAHistoricalScheduler_GivesTheSamePointsAsInOrderReplay()
    {
        var history = LongHistory(new Random(7), conversations: 30, spanSeconds: 300);
        var expected = RunInOrder(history);
        var random = new Random(99);
        var lateness = (long)Options.AllowedLateness.TotalMilliseconds;
        var scheduler = new HistoricalScheduler(DateTimeOffset.FromUnixTimeMilliseconds(T0));
        var lateEvents = 0;

        // Each event arrives at a virtual time up to the lateness after its event time.
        var arrivals = Observable.Merge(history.Select(e =>
            Observable.Timer(DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs + random.NextInt64(0, lateness + 1)), scheduler)
                .Select(_ => PipelineInput.Of(e))));
        var points = new List<MetricPoint>();
        var completed = false;
        using var subscription = arrivals
            .ToMetricPoints(Options, new PipelineHooks { Late = _ => lateEvents++ })
            .Subscribe(points.AddRange, ex => Assert.Fail(ex.ToString()), () => completed = true);

        scheduler.Start();

        Assert.True(completed);
        Assert.Equal(0, lateEvents);
        Assert.Equal(expected, points.Select(p => p.Describe()));
    }

    private static List<string> RunInOrder(IEnumerable<MonitorEvent> history) =>
        Run(history.OrderBy(e => e.TimestampMs).ThenBy(e => e.EventId, StringComparer.Ordinal));

    private static List<string> Run(IEnumerable<MonitorEvent> arrival)
    {
        var run = new RecordingEngine(Options);
        foreach (var e in arrival)
        {
            Assert.True(run.Engine.Accept(e), $"{e} was late");
        }

        run.Engine.Flush();
        return run.Points.Select(p => p.Describe()).ToList();
    }

    /// <summary>Conversations with customer, agent and bot messages and closes; many timestamps on whole seconds, so boundary and same-ms cases occur.</summary>
    internal static MonitorEvent[] LongHistory(Random random, int conversations, int spanSeconds)
    {
        var chat = new ChatEvents();
        var events = new List<MonitorEvent>();
        for (var c = 0; c < conversations; c++)
        {
            var shop = $"s{random.Next(3)}";
            var channel = (TextChannel)random.Next(3);
            var id = $"conv-{c}";
            var ts = T0 + (random.Next(2) == 0 ? random.Next(spanSeconds) * 1000L : random.NextInt64(spanSeconds * 1000L));
            if (random.Next(3) == 0)
            {
                events.Add(chat.Started(id, ts, channel, shop));
            }

            for (var m = random.Next(1, 8); m > 0; m--)
            {
                var sender = (Sender)random.Next(3);
                events.Add(chat.Message(id, ts, sender, channel, shop));
                ts += random.Next(3) switch { 0 => random.Next(1, 5) * 5000L, 1 => random.NextInt64(1, 60_000), _ => 1 };
            }

            if (random.Next(3) == 0)
            {
                events.Add(chat.Closed(id, ts, channel, shop));
            }
        }

        return [.. events];
    }

    /// <summary>Heap's algorithm over the indexes 0..n−1.</summary>
    private static IEnumerable<int[]> Permutations(int n)
    {
        var a = Enumerable.Range(0, n).ToArray();
        var c = new int[n];
        yield return (int[])a.Clone();
        var i = 0;
        while (i < n)
        {
            if (c[i] < i)
            {
                var j = i % 2 == 0 ? 0 : c[i];
                (a[j], a[i]) = (a[i], a[j]);
                yield return (int[])a.Clone();
                c[i]++;
                i = 0;
            }
            else
            {
                c[i] = 0;
                i++;
            }
        }
    }
}
