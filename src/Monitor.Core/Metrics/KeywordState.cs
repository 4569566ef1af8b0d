using Monitor.Core.Events;
using Monitor.Core.Keywords;
using Monitor.Core.Metrics.Windows;
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

    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    private readonly WindowSpec _spec = new(options.Step, options.ConversationWindow);

    // Lanes: 0 customer texts, 1 texts with a hit, 2 hits.
    private readonly WindowCounter _texts = new(new WindowSpec(options.Step, options.ConversationWindow));
    // Looked up per hit; emitted in key order from the list (a sorted dictionary's enumerator allocates per boundary).
    private readonly Dictionary<SeriesKey, KeywordSeries> _series = [];
    private readonly List<KeywordSeries> _ordered = [];
    private readonly List<Keyword> _hits = [];
    private readonly Activity _activity = new();
    private bool _anyEmptied;

    // A hit since the last early read: only then can a keyword series' early value have risen.
    private bool _hitsUnread = true;
    private MetricPoint? _ratePoint;

    public bool Apply(MonitorEvent e, bool late, long watermarkMs)
    {
        var dictionary = options.Keywords?.Current;
        var channel = CustomerChannel(e);
        if (dictionary is null || channel < 0 || !e.HasText)
        {
            return true;
        }

        var ts = e.TimestampMs;
        _hits.Clear();
        dictionary.Match(e.TextSpan, _hits);
        _texts.Add(ts, 0, 1);
        if (_hits.Count > 0)
        {
            _texts.Add(ts, 1, 1);
            _texts.Add(ts, 2, _hits.Count);
            _hitsUnread = true;
            foreach (var hit in _hits)
            {
                var key = new SeriesKey(channel, hit.Category, hit.Text);
                if (!_series.TryGetValue(key, out var series))
                {
                    series = new KeywordSeries(key, new WindowCounter(_spec), MetricSchemas.Series(
                        MetricSchemas.ComplaintKeywords,
                        new("category", key.Category),
                        new("channel", ChannelNames[key.Channel]),
                        new("keyword", key.Keyword),
                        new("shop", shopId)));
                    _series.Add(key, series);
                    var at = _ordered.BinarySearch(series);
                    _ordered.Insert(~at, series);
                }

                series.Counts.Add(ts, 0, 1);
            }

            _hits.Clear();
        }

        _activity.Touch(ts);
        return true;
    }

    public void Emit(in View view, Action<MetricPoint> emit)
    {
        // Early, a customer text without a hit changes complaint_rate only: the series are read again after a hit.
        var skipSeries = !view.Final && view.ChangedOnly && !_hitsUnread;
        if (!view.Final)
        {
            _hitsUnread = false;
        }

        if (view.Wants(MetricSchemas.ComplaintKeywords) && !skipSeries)
        {
            foreach (var series in _ordered)
            {
                if (!view.Wants(series.Point))
                {
                    continue;
                }

                var hits = series.Counts.Read(view, 0);
                if (hits > 0)
                {
                    emit(series.Point.Begin(view.AtMs).Set(0, hits));
                }
                else if (view.Final && series.Counts.IsEmpty)
                {
                    series.Emptied = true;
                    _anyEmptied = true;
                }
            }
        }

        if (_anyEmptied)
        {
            _anyEmptied = false;
            _ordered.RemoveAll(series => series.Emptied && _series.Remove(series.Key));
        }

        if (!view.Wants(MetricSchemas.ComplaintRate))
        {
            return;
        }

        var active = _activity.Active(view, _ttlMs);
        var texts = _texts.Read(view, 0);
        if (texts > 0 || active)
        {
            var hits = _texts.Read(view, 2);
            var point = (_ratePoint ??= MetricSchemas.Series(MetricSchemas.ComplaintRate, shopId)).Begin(view.AtMs);
            point.Set(0, texts).Set(1, _texts.Read(view, 1)).Set(2, hits);
            if (texts > 0)
            {
                point.Set(3, hits * 1000.0 / texts);
            }

            emit(point);
        }
    }

    public bool IsIdle(long boundaryMs)
    {
        _texts.Prepare(boundaryMs);
        return _texts.IsEmpty && _series.Count == 0 && !_activity.ActiveAt(boundaryMs, _ttlMs) && !_activity.HasAhead;
    }

    /// <summary>Counts leave with the window in <see cref="Emit"/>; no per-item state to sweep.</summary>
    public void EvictStale(long boundaryMs)
    {
    }

    /// <summary>The channel index of a customer text; −1 for agent and bot texts, which are never counted.</summary>
    private static int CustomerChannel(MonitorEvent e) => e.Type switch
    {
        EventType.Message when e.Sender == Sender.Customer => (int)e.Channel,
        EventType.CallTranscript when e.Speaker == Sender.Customer => CallChannel,
        EventType.Review => ReviewChannel,
        _ => -1,
    };

    private sealed class KeywordSeries(SeriesKey key, WindowCounter counts, MetricPoint point) : IComparable<KeywordSeries>
    {
        public SeriesKey Key { get; } = key;

        public WindowCounter Counts { get; } = counts;

        public MetricPoint Point { get; } = point;

        /// <summary>Its window emptied at a final boundary: it leaves state.</summary>
        public bool Emptied { get; set; }

        public int CompareTo(KeywordSeries? other) => other is null ? 1 : Key.CompareTo(other.Key);
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
