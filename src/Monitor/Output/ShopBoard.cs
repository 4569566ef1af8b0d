using Monitor.Core.Metrics;
using Monitor.Core.Points;

namespace Monitor.Output;

/// <summary>The headline numbers per shop at the newest boundary, for the terminal board. Thread-safe.</summary>
public sealed class ShopBoard
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ShopLine> _shops = new(StringComparer.Ordinal);

    /// <summary>Newest boundary seen (epoch ms), or null before the first point.</summary>
    public long? BoundaryMs { get; private set; }

    /// <summary>Adds <paramref name="point"/> to its shop's line when it is one the board shows (backlog, chat response time, crisis, complaint keywords); a newer boundary starts the shop a fresh line, a point without a shop tag is ignored.</summary>
    public void Observe(MetricPoint point)
    {
        var shop = point.Tag("shop");
        if (shop is null)
        {
            return;
        }

        lock (_gate)
        {
            if (BoundaryMs is null || point.TimestampMs > BoundaryMs)
            {
                BoundaryMs = point.TimestampMs;
            }

            if (!_shops.TryGetValue(shop, out var line) || line.BoundaryMs < point.TimestampMs)
            {
                line = new ShopLine { Shop = shop, BoundaryMs = point.TimestampMs };
                _shops[shop] = line;
            }

            switch (point.Measurement)
            {
                case Measurements.Backlog:
                    line.Waiting += (long)(point.Field("waiting")?.Value ?? 0);
                    line.OldestWaitSeconds = Math.Max(line.OldestWaitSeconds, point.Field("oldest_wait_seconds")?.Value ?? 0);
                    break;
                case Measurements.ResponseTimeByChannel when point.Tag("channel") == "chat":
                    line.ChatResponses = (long)(point.Field("count")?.Value ?? 0);
                    line.ChatP90Seconds = point.Field("p90")?.Value;
                    break;
                case Measurements.Crisis:
                    line.CrisisLevel = (int?)point.Field("level")?.Value;
                    line.Cq = point.Field("cq")?.Value;
                    break;
                case Measurements.ComplaintKeywords:
                    line.ComplaintHits += (long)(point.Field("hits")?.Value ?? 0);
                    break;
            }
        }
    }

    /// <summary>Shops seen at the newest boundary, most urgent first (oldest wait, then backlog).</summary>
    public IReadOnlyList<ShopLine> Top(int count)
    {
        lock (_gate)
        {
            return _shops.Values
                .Where(s => s.BoundaryMs == BoundaryMs)
                .OrderByDescending(s => s.OldestWaitSeconds)
                .ThenByDescending(s => s.Waiting)
                .ThenBy(s => s.Shop, StringComparer.Ordinal)
                .Take(count)
                .Select(s => s with { })
                .ToArray();
        }
    }

    /// <summary>Shops with a line at the newest boundary.</summary>
    public int ShopCount
    {
        get
        {
            lock (_gate)
            {
                return _shops.Values.Count(s => s.BoundaryMs == BoundaryMs);
            }
        }
    }
}

/// <summary>One shop's row on the demo board: its latest boundary and the values the board shows.</summary>
public sealed record ShopLine
{
    /// <summary>The shop id.</summary>
    public required string Shop { get; init; }
    /// <summary>The step boundary (epoch ms) these values are from.</summary>
    public long BoundaryMs { get; init; }
    /// <summary>Items waiting at the boundary, over every backlog queue.</summary>
    public long Waiting { get; set; }
    /// <summary>Age of the oldest waiting item of any queue at the boundary, in seconds.</summary>
    public double OldestWaitSeconds { get; set; }
    /// <summary>Chat-channel responses in the window, all kinds and responders.</summary>
    public long ChatResponses { get; set; }
    /// <summary>90th percentile of chat-channel response times over the window, in seconds; null without responses.</summary>
    public double? ChatP90Seconds { get; set; }
    /// <summary>Crisis level 0..4; null when the shop has no capacity (no crisis point).</summary>
    public int? CrisisLevel { get; set; }
    /// <summary>Crisis Quotient: incoming volume per minute over agent capacity per minute; null without capacity.</summary>
    public double? Cq { get; set; }
    /// <summary>Complaint keyword hits over the window, all channels, categories and keywords.</summary>
    public long ComplaintHits { get; set; }
}
