namespace Monitor.Core.Metrics;

/// <summary>Measurement names of DESIGN §4 (contract), plus internal ones that never reach InfluxDB.</summary>
public static class Measurements
{
    public const string ResponseTime = "response_time";
    public const string Backlog = "backlog";
    public const string Shipping = "shipping";
    public const string Orders = "orders";
    public const string ComplaintKeywords = "complaint_keywords";

    /// <summary>Addition to DESIGN §4: keyword hit rate per 1,000 customer messages per shop (docs/keywords.md).</summary>
    public const string ComplaintRate = "complaint_rate";
    public const string CallAnswer = "call_answer";
    public const string CallHandle = "call_handle";
    public const string Bot = "bot";
    public const string Crisis = "crisis";

    /// <summary>
    /// Internal: response times of a shop and channel over all kinds and responders, feeding the
    /// Prometheus gauge <c>monitor_response_time_p90_seconds{shop,channel}</c>.
    /// </summary>
    public const string ResponseTimeByChannel = "_response_time_by_channel";

    /// <summary>Internal measurements start with an underscore and are not written to InfluxDB.</summary>
    public static bool IsInternal(string measurement) => measurement.StartsWith('_');
}
