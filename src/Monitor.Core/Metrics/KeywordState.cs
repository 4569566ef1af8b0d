using System.Runtime.InteropServices;
using Monitor.Core.Events;
using Monitor.Core.Keywords;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// Complaint keyword hits of one shop (DESIGN §4, docs/keywords.md) from customer texts only:
/// customer chat messages (channel chat, email or social), customer call transcripts (channel
/// call) and review texts (channel review). Each text is matched once against the dictionary in
/// force and forgotten; only counts are kept, per step bucket and (channel, category, keyword),
/// and dropped once they leave the window. At each boundary b it emits one complaint_keywords
/// point per series with hits in [b − W, b), and one complaint_rate point for the shop.
/// </summary>
internal sealed class KeywordState(string shopId, EngineOptions options) : IShopFamily
{
    /// <summary>
    /// Addition to DESIGN §4: keyword hits per 1,000 customer texts of the shop over the window.
    /// Tags shop; fields messages, matched_messages, hits (int), per_1000_messages.
    /// </summary>
    public const string RateMeasurement = Measurements.ComplaintRate;

    private const int CallChannel = 3;
    private const int ReviewChannel = 4;
    private static readonly string[] ChannelNames = ["chat", "email", "social", "call", "review"];

    private readonly long _windowMs = (long)options.ConversationWindow.TotalMilliseconds;
    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;

    // Buckets of gcd(step, window) tile every window [b − W, b) exactly.
    private readonly long _bucketMs = Gcd((long)options.Step.TotalMilliseconds, (long)options.ConversationWindow.TotalMilliseconds);
    private readonly Dictionary<long, Bucket> _buckets = [];
    private readonly List<Keyword> _hits = [];
    private readonly Dictionary<SeriesKey, int> _sums = [];
    private long _lastTextMs = long.MinValue;

    public bool Apply(MonitorEvent e, bool late)
    {
        var dictionary = options.Keywords?.Current;
        var channel = CustomerChannel(e);
        if (dictionary is null || channel < 0 || e.Text is null)
        {
            return true;
        }

        var start = e.TimestampMs - (((e.TimestampMs % _bucketMs) + _bucketMs) % _bucketMs);
        if (!_buckets.TryGetValue(start, out var bucket))
        {
            bucket = new Bucket();
            _buckets.Add(start, bucket);
        }

        _hits.Clear();
        dictionary.Match(e.Text, _hits);
        bucket.Texts++;
        if (_hits.Count > 0)
        {
            bucket.TextsWithHits++;
            foreach (var hit in _hits)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(bucket.Hits, new SeriesKey(channel, hit.Category, hit.Text), out _)++;
            }

            _hits.Clear();
        }

        _lastTextMs = Math.Max(_lastTextMs, e.TimestampMs);
        return true;
    }

    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        var windowStart = boundaryMs - _windowMs;
        long texts = 0;
        long matched = 0;
        long hits = 0;
        List<long>? expired = null;
        _sums.Clear();
        foreach (var (start, bucket) in _buckets)
        {
            if (start < windowStart)
            {
                (expired ??= []).Add(start);
                continue;
            }

            if (start >= boundaryMs)
            {
                continue;
            }

            texts += bucket.Texts;
            matched += bucket.TextsWithHits;
            foreach (var (key, count) in bucket.Hits)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_sums, key, out _) += count;
                hits += count;
            }
        }

        if (expired is not null)
        {
            foreach (var start in expired)
            {
                _buckets.Remove(start);
            }
        }

        if (_sums.Count > 0)
        {
            var series = _sums.Keys.ToArray();
            Array.Sort(series);
            foreach (var key in series)
            {
                emit(new MetricPoint(
                    Measurements.ComplaintKeywords,
                    [
                        PointBuilder.Tag("category", key.Category),
                        PointBuilder.Tag("channel", ChannelNames[key.Channel]),
                        PointBuilder.Tag("keyword", key.Keyword),
                        PointBuilder.Tag("shop", shopId),
                    ],
                    [MetricField.Int("hits", _sums[key])],
                    boundaryMs));
            }

            _sums.Clear();
        }

        if (texts > 0 || IsActive(boundaryMs))
        {
            var fields = new List<MetricField>(4)
            {
                MetricField.Int("messages", texts),
                MetricField.Int("matched_messages", matched),
                MetricField.Int("hits", hits),
            };
            if (texts > 0)
            {
                fields.Add(MetricField.Float("per_1000_messages", hits * 1000.0 / texts));
            }

            emit(new MetricPoint(RateMeasurement, [PointBuilder.Tag("shop", shopId)], fields, boundaryMs));
        }
    }

    public bool IsIdle(long boundaryMs) => _buckets.Count == 0 && !IsActive(boundaryMs);

    /// <summary>Counts leave with the window in <see cref="Emit"/>; no per-item state to sweep.</summary>
    public void EvictStale(long boundaryMs)
    {
    }

    private bool IsActive(long boundaryMs) => _lastTextMs != long.MinValue && _lastTextMs >= boundaryMs - _ttlMs;

    /// <summary>The channel index of a customer text; −1 for agent and bot texts, which are never counted.</summary>
    private static int CustomerChannel(MonitorEvent e) => e.Type switch
    {
        EventType.Message when e.Sender == Sender.Customer => (int)e.Channel,
        EventType.CallTranscript when e.Speaker == Sender.Customer => CallChannel,
        EventType.Review => ReviewChannel,
        _ => -1,
    };

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return Math.Max(a, 1);
    }

    private sealed class Bucket
    {
        public int Texts { get; set; }
        public int TextsWithHits { get; set; }

        /// <summary>The strings are the dictionary's own; no customer text is kept.</summary>
        public Dictionary<SeriesKey, int> Hits { get; } = [];
    }

    /// <summary>A complaint_keywords series of the shop; orders like the emitted tags.</summary>
    private readonly record struct SeriesKey(int Channel, string Category, string Keyword) : IComparable<SeriesKey>
    {
        public int CompareTo(SeriesKey other)
        {
            var byChannel = Channel.CompareTo(other.Channel);
            if (byChannel != 0)
            {
                return byChannel;
            }

            var byCategory = string.CompareOrdinal(Category, other.Category);
            return byCategory != 0 ? byCategory : string.CompareOrdinal(Keyword, other.Keyword);
        }
    }
}
