namespace Monitor.Core.Metrics;

/// <summary>Measurement names of DESIGN §4 (contract), plus internal ones that never reach InfluxDB.</summary>
public static class Measurements
{
    /// <summary>Reply times of text conversations per shop, channel, kind (first/reply) and responder (agent/bot).</summary>
    public const string ResponseTime = "response_time";
    /// <summary>Open items per shop and queue at a boundary, with the oldest one's age.</summary>
    public const string Backlog = "backlog";
    /// <summary>Ship-on-time figures per shop: orders due in the window, on time, late, overdue, stalled.</summary>
    public const string Shipping = "shipping";
    /// <summary>Orders paid, cancelled and delivered (damaged), and open refunds, per shop.</summary>
    public const string Orders = "orders";
    /// <summary>Complaint keyword hits per shop, channel, category and keyword.</summary>
    public const string ComplaintKeywords = "complaint_keywords";

    /// <summary>Addition to DESIGN §4: keyword hit rate per 1,000 customer messages per shop (docs/keywords.md).</summary>
    public const string ComplaintRate = "complaint_rate";
    /// <summary>Calls offered, answered and abandoned per shop, with answer times and the service level.</summary>
    public const string CallAnswer = "call_answer";
    /// <summary>Handle times (answered to ended) of calls per shop.</summary>
    public const string CallHandle = "call_handle";
    /// <summary>Conversations closed, resolved by the bot and transferred, per shop and channel.</summary>
    public const string Bot = "bot";
    /// <summary>The Crisis Quotient per shop: volume, capacity, cq and level.</summary>
    public const string Crisis = "crisis";

    /// <summary>
    /// Internal: response times of a shop and channel over all kinds and responders, feeding the
    /// Prometheus gauge <c>monitor_response_time_p90_seconds{shop,channel}</c>.
    /// </summary>
    public const string ResponseTimeByChannel = "_response_time_by_channel";

    /// <summary>Internal measurements start with an underscore and are not written to InfluxDB.</summary>
    public static bool IsInternal(string measurement) => measurement.StartsWith('_');
}
