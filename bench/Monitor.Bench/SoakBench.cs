using System.Diagnostics;
using System.Globalization;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Text;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Core.Points;
using Monitor.Keywords;
using Monitor.Observability;
using Monitor.Output;
using Monitor.Pipeline;
using Prometheus;

namespace Monitor.Bench;

/// <summary>
/// Issue 6, "bounded memory": a sustained load with churn of shops, conversations, calls and
/// orders through decode, de-duplication, the engine with the shipped alert rules and the
/// Prometheus router, with the managed heap (after a full collection) and the number of /metrics
/// series sampled along the way. Shops retire and new ones appear; some conversations, calls and
/// orders are abandoned and never closed, so only expiry keeps state bounded. Event time runs far
/// faster than the wall clock (about 50 events per event-second), so a 10-minute soak covers days
/// of event time; stale items leave after 2 hours of event time instead of 7 days, so even a
/// short soak goes through many expiry cycles.
/// </summary>
internal static class SoakBench
{
    private const int ActiveShops = 100;
    private const int OpenPerShop = 16;
    private static readonly long T0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>The active window of shops slides by one shop this often (event time) by default.</summary>
    public static readonly TimeSpan DefaultShopLife = TimeSpan.FromMinutes(10);

    /// <summary>Runs until <paramref name="duration"/> has passed or <paramref name="maxEvents"/> were processed; prints one line per sample and a verdict.</summary>
    /// <returns>0 when the heap stayed flat, 1 otherwise.</returns>
    /// <param name="shopLife">A new shop appears (and the oldest active one retires) this often in event time: 10 min by default, 500 ms passes a million shop ids through in about 25M events.</param>
    /// <param name="hold">When set, the series TTL, the orders window and the stale-item age are this short, so a shop that went quiet leaves after the hold plus the 5-minute conversation window: a million shop ids pass through without holding hours of them at once.</param>
    public static int Run(TimeSpan? duration, long? maxEvents, long sampleEvery, CancellationToken cancellationToken, TimeSpan? shopLife = null, TimeSpan? hold = null)
    {
        var shopLifeMs = Math.Max(1, (long)(shopLife ?? DefaultShopLife).TotalMilliseconds);
        var (rules, errors) = AlertRulesLoader.Load(AlertRulesLoader.DefaultFile);
        if (rules is null)
        {
            errors.ToList().ForEach(e => Console.Error.WriteLine(e));
            return 2;
        }

        var registry = Metrics.NewCustomRegistry();
        var metrics = new MonitorMetrics(registry);
        var sink = new CountingSink();
        var router = new PointRouter(metrics, [sink]);
        var intake = new EventIntake(new EventDecoder(), new EventIdDeduplicator(), metrics, new NullDeadLetters()) { ReuseEvents = true };
        // Stale items leave after 2 h of event time here (7 days by default), so a short soak sees
        // many expiry cycles of the abandoned ones; the mechanism is the same.
        var engine = hold is { } h
            ? new EngineOptions { Keywords = KeywordSetup.Load(null).Holder, StaleItemAge = h, SeriesTtl = h, OrdersWindow = h }
            : new EngineOptions { Keywords = KeywordSetup.Load(null).Holder, StaleItemAge = TimeSpan.FromHours(2) };
        var clock = Stopwatch.StartNew();
        var samples = new List<(long Events, long Heap, int Series)>();
        long processed = 0;
        long eventTime = T0;
        Console.WriteLine($"bench: soak {(duration is { } d ? $"for {d.TotalMinutes:N1} min" : $"of {maxEvents:N0} events")}, {ActiveShops} active shops retiring one every {shopLifeMs / 1000.0:0.###} s of event time, shipped alert rules ({rules.Count}), stale items leave after {engine.StaleItemAge.TotalMinutes:N0} min, series TTL {engine.SeriesTtl.TotalMinutes:N0} min");
        Console.WriteLine("bench: wall s     events   event days   heap MB   /metrics series   events/s");

        void Sample()
        {
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            var series = CountSeries(registry);
            samples.Add((processed, heap, series));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {clock.Elapsed.TotalSeconds,6:N0} {processed,10:N0} {(eventTime - T0) / 86_400_000.0,12:N2} {heap / 1e6,9:N1} {series,17:N0} {processed / clock.Elapsed.TotalSeconds,10:N0}"));
        }

        var inputs = Observable.Create<PipelineInput>(observer =>
        {
            var generator = new ChurnGenerator(seed: 6, shopLifeMs);
            foreach (var (topic, json, ts) in generator.Events())
            {
                if (cancellationToken.IsCancellationRequested
                    || (duration is { } limit && clock.Elapsed >= limit)
                    || (maxEvents is { } most && processed >= most))
                {
                    break;
                }

                eventTime = ts;
                if (intake.Accept(Names.Of(topic), topic, null, json, "soak") is { } e)
                {
                    observer.OnNext(PipelineInput.Of(e));
                }

                if (++processed % sampleEvery == 0)
                {
                    Sample();
                }
            }

            observer.OnCompleted();
            return Disposable.Empty;
        });

        inputs.ToMetricPoints(engine, hooks: null, rules, borrowPoints: true).Subscribe(router.Publish);
        Sample();

        // Flat: after the first third (de-duplication ids and pools fill up), the heap's peak in
        // the last third is within 25% (+16 MB) of its peak in the middle third.
        var settled = samples.Skip(samples.Count / 3).ToArray();
        if (settled.Length < 2)
        {
            Console.WriteLine("bench: too few samples for a verdict; run longer");
            return 1;
        }

        var middle = settled.Take(settled.Length / 2).Max(s => s.Heap);
        var last = settled.Skip(settled.Length / 2).Max(s => s.Heap);
        var flat = last <= middle * 1.25 + 16e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: soak {(flat ? "flat" : "GROWING")}: heap peak {middle / 1e6:N1} MB in the middle third, {last / 1e6:N1} MB in the last third; " +
            $"/metrics series {settled[0].Series:N0} -> {samples[^1].Series:N0}; {sink.Points:N0} points for {processed:N0} events, {(eventTime - T0) / 86_400_000.0:N1} days of event time, {((eventTime - T0) / shopLifeMs) + ActiveShops:N0} shop ids"));
        return flat ? 0 : 1;
    }

    private static int CountSeries(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n').Count(line => line.Length > 0 && line[0] != '#');
    }

    /// <summary>
    /// Synthetic traffic with churn: a sliding window of <see cref="ActiveShops"/> shops; per shop a
    /// small ring of open conversations, calls and orders. An item pushed out of a full ring is
    /// abandoned (never closed). Its own state is bounded by the active shops.
    /// </summary>
    private sealed class ChurnGenerator(int seed, long shopLifeMs)
    {
        private static readonly string[] Texts = ["where is my parcel", "我要投诉", "refund please 退款", "要找律师起诉", "thanks", "质量太差了"];
        private readonly Random _random = new(seed);
        private readonly Dictionary<long, ShopState> _shops = [];
        private long _ids;

        public IEnumerable<(Topic Topic, byte[] Json, long Ts)> Events()
        {
            var ts = T0;
            while (true)
            {
                ts += _random.Next(1, 40); // about 50 events per event-second
                var generation = (ts - T0) / shopLifeMs;
                var index = generation + _random.Next(ActiveShops);
                if (_shops.Count > ActiveShops * 2)
                {
                    foreach (var retired in _shops.Keys.Where(k => k < generation).ToArray())
                    {
                        _shops.Remove(retired);
                    }
                }

                if (!_shops.TryGetValue(index, out var shop))
                {
                    shop = new ShopState($"soak-{index:D7}");
                    _shops.Add(index, shop);
                }

                yield return Next(shop, ts);
            }
        }

        private (Topic, byte[], long) Next(ShopState shop, long ts)
        {
            var id = ++_ids;
            var head = $"\"eventId\":\"s{id}\",\"shopId\":\"{shop.Id}\",\"ts\":{ts}";
            var roll = _random.Next(100);
            string json;
            Topic topic;
            if (roll < 25 || shop.Conversations.Count == 0)
            {
                var conversation = $"c{id}";
                Push(shop.Conversations, conversation);
                (topic, json) = (Topic.Chats, $"{{\"type\":\"message\",{head},\"conversationId\":\"{conversation}\",\"sender\":\"customer\",\"text\":\"{Texts[_random.Next(Texts.Length)]} #{id}\"}}");
            }
            else if (roll < 50)
            {
                var conversation = shop.Conversations[_random.Next(shop.Conversations.Count)];
                (topic, json) = (Topic.Chats, $"{{\"type\":\"message\",{head},\"conversationId\":\"{conversation}\",\"sender\":\"{(roll % 5 == 0 ? "bot" : "agent")}\",\"agentId\":\"a{roll % 7}\"}}");
            }
            else if (roll < 62)
            {
                var conversation = shop.Conversations[0];
                shop.Conversations.RemoveAt(0);
                (topic, json) = (Topic.Chats, $"{{\"type\":\"conversation_closed\",{head},\"conversationId\":\"{conversation}\",\"resolvedBy\":\"{(roll % 3 == 0 ? "bot" : "agent")}\"}}");
            }
            else if (roll < 72 || shop.Calls.Count == 0)
            {
                var call = $"k{id}";
                Push(shop.Calls, call);
                (topic, json) = (Topic.Calls, $"{{\"type\":\"call_queued\",{head},\"callId\":\"{call}\"}}");
            }
            else if (roll < 80)
            {
                var call = shop.Calls[0];
                shop.Calls.RemoveAt(0);
                var type = roll % 4 == 0 ? "call_abandoned" : "call_answered";
                (topic, json) = (Topic.Calls, $"{{\"type\":\"{type}\",{head},\"callId\":\"{call}\",\"agentId\":\"a1\"}}");
            }
            else if (roll < 90 || shop.Orders.Count == 0)
            {
                var order = $"o{id}";
                Push(shop.Orders, order);
                var shipBy = DateTimeOffset.FromUnixTimeMilliseconds(ts + 3_600_000).ToString("O", CultureInfo.InvariantCulture);
                (topic, json) = (Topic.Orders, $"{{\"type\":\"order_paid\",{head},\"orderId\":\"{order}\",\"amount\":{_random.Next(1, 500)},\"shipBy\":\"{shipBy}\"}}");
            }
            else
            {
                var order = shop.Orders[0];
                shop.Orders.RemoveAt(0);
                var type = roll % 3 == 0 ? "order_cancelled" : "order_shipped";
                (topic, json) = (Topic.Orders, $"{{\"type\":\"{type}\",{head},\"orderId\":\"{order}\",\"carrier\":\"sf\"}}");
            }

            return (topic, Encoding.UTF8.GetBytes(json), ts);
        }

        /// <summary>Adds to a ring; the oldest item falls out and is abandoned when it is full.</summary>
        private static void Push(List<string> ring, string item)
        {
            if (ring.Count == OpenPerShop)
            {
                ring.RemoveAt(0);
            }

            ring.Add(item);
        }

        private sealed class ShopState(string id)
        {
            public string Id { get; } = id;

            public List<string> Conversations { get; } = [];

            public List<string> Calls { get; } = [];

            public List<string> Orders { get; } = [];
        }
    }

    private sealed class CountingSink : IPointSink
    {
        public long Points { get; private set; }

        public ValueTask WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
        {
            Points += points.Count;
            return ValueTask.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NullDeadLetters : IDeadLetterSink
    {
        public void Send(string sourceTopic, byte[]? key, byte[] payload, InvalidReason reason, string detail, string origin)
        {
        }
    }
}
