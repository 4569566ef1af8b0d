using System.Text;
using Monitor.Settings;

namespace Monitor.Influx;

/// <summary>Which InfluxDB write API to call.</summary>
public enum InfluxApi
{
    /// <summary>InfluxDB 1.x: <c>POST {Url}/write?db=&amp;rp=&amp;precision=ms</c>.</summary>
    V1,

    /// <summary>InfluxDB 2.x / Cloud: <c>POST {Url}/api/v2/write?org=&amp;bucket=&amp;precision=ms</c> with a token.</summary>
    V2,
}

/// <summary>What <see cref="InfluxWriter.WriteAsync"/> does when the buffer is full.</summary>
public enum BufferFullMode
{
    /// <summary>Wait for room (back-pressure): nothing is lost. For replays and backfills.</summary>
    Wait,

    /// <summary>
    /// Live mode: wait for room (back-pressure) for at most <see cref="InfluxOptions.MaxBlock"/>; if none comes,
    /// drop the oldest buffered points, counted in <c>monitor_influx_points_dropped_total</c>, so the pipeline
    /// (and alerting) keeps running, until the buffer has drained below half, when back-pressure resumes.
    /// </summary>
    DropOldest,
}

/// <summary>Settings of <see cref="InfluxWriter"/>. Secrets (<see cref="Password"/>, <see cref="Token"/>) never appear in <see cref="ToString"/>.</summary>
public sealed class InfluxOptions
{
    private const string Owner = "Influx";

    /// <summary>Base address of the server, e.g. <c>http://localhost:8086</c>; a path prefix (behind a proxy) is kept.</summary>
    public Uri Url { get; set; } = new("http://localhost:8086");

    /// <summary>Write API; default <see cref="InfluxApi.V1"/>.</summary>
    public InfluxApi Api { get; set; } = InfluxApi.V1;

    /// <summary>V1: database to write to; default <c>monitor</c>.</summary>
    public string Database { get; set; } = "monitor";

    /// <summary>V1: retention policy; default none (the database's default policy).</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>V1: user name; when set, it and <see cref="Password"/> go in an HTTP Basic <c>Authorization</c> header (never in the URL, where proxies and logs keep it).</summary>
    public string? Username { get; set; }

    /// <summary>V1: password, sent with <see cref="Username"/> in the Basic header. Secret.</summary>
    public string? Password { get; set; }

    /// <summary>V2: organisation name or id.</summary>
    public string? Org { get; set; }

    /// <summary>V2: bucket name.</summary>
    public string? Bucket { get; set; }

    /// <summary>
    /// API token, sent as <c>Authorization: Token &lt;token&gt;</c>: v2, or v1 without a user name (the v1
    /// compatibility API of InfluxDB 2.x/3.x, or InfluxDB 1.8+ with <c>user:password</c> as the token). Secret.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Most points (lines) in one request; default 5000.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>Longest time a point waits for its batch to fill before the batch is sent anyway; default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Points waiting to be sent, not counting the batch being sent (at most <see cref="BatchSize"/> more); default 100 000.</summary>
    public int BufferCapacity { get; set; } = 100_000;

    /// <summary>Behaviour when the buffer is full; default <see cref="BufferFullMode.DropOldest"/>.</summary>
    public BufferFullMode BufferFullMode { get; set; } = BufferFullMode.DropOldest;

    /// <summary>Compress request bodies (<c>Content-Encoding: gzip</c>); default true.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>
    /// Retries of one batch after a 408, a 429, a 5xx, a network error or a timeout before it counts as failed;
    /// default null: retry until InfluxDB accepts it (an outage fills the buffer instead of losing points;
    /// shutdown is still bounded by <see cref="ShutdownTimeout"/>).
    /// </summary>
    public int? MaxRetries { get; set; }

    /// <summary>
    /// <see cref="BufferFullMode.DropOldest"/>: longest time one write waits for room in a full buffer before
    /// the writer switches to dropping the oldest points; default 30 s. Zero drops at once.
    /// </summary>
    public TimeSpan MaxBlock { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap of the first retry's delay; each retry doubles the cap, and the delay is drawn uniformly below it (full jitter); default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest delay between two attempts, also for a server's <c>Retry-After</c>; default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one HTTP attempt; default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long disposing waits for buffered points to be written before giving up on them (they count as failed); default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        OptionChecks.HttpUrl(Url, Owner, nameof(Url));

        if (Api == InfluxApi.V1 && string.IsNullOrWhiteSpace(Database))
        {
            throw new ArgumentException("Influx Database is required for the v1 API.", nameof(Database));
        }

        if (Api == InfluxApi.V2 && (string.IsNullOrWhiteSpace(Org) || string.IsNullOrWhiteSpace(Bucket)))
        {
            throw new ArgumentException("Influx Org and Bucket are required for the v2 API.", nameof(Bucket));
        }

        if (Api == InfluxApi.V1 && !string.IsNullOrEmpty(Token) && !string.IsNullOrEmpty(Username))
        {
            throw new ArgumentException(
                "Influx v1 takes a user name with a password (HTTP Basic) or a token, not both: drop influx.username to send the token, or the token to send the user name.",
                nameof(Token));
        }

        OptionChecks.Positive(BatchSize, Owner, nameof(BatchSize));
        OptionChecks.Positive(BufferCapacity, Owner, nameof(BufferCapacity));
        OptionChecks.Positive(FlushInterval, Owner, nameof(FlushInterval));
        OptionChecks.Positive(InitialBackoff, Owner, nameof(InitialBackoff));
        OptionChecks.Positive(MaxBackoff, Owner, nameof(MaxBackoff));
        OptionChecks.Positive(RequestTimeout, Owner, nameof(RequestTimeout));
        OptionChecks.Positive(ShutdownTimeout, Owner, nameof(ShutdownTimeout));
        if (MaxBlock < TimeSpan.Zero)
        {
            throw new ArgumentException("Influx MaxBlock must not be negative.", nameof(MaxBlock));
        }

        if (MaxRetries < 0)
        {
            throw new ArgumentException("Influx MaxRetries must not be negative.", nameof(MaxRetries));
        }
    }

    /// <summary>All settings, secrets redacted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("InfluxOptions { ");
        sb.Append("Url = ").Append(Url?.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)).Append(", Api = ").Append(Api);
        if (Api == InfluxApi.V1)
        {
            sb.Append(", Database = ").Append(Database)
              .Append(", RetentionPolicy = ").Append(RetentionPolicy)
              .Append(", Username = ").Append(Username)
              .Append(", Password = ").Append(OptionChecks.Redact(Password));
        }
        else
        {
            sb.Append(", Org = ").Append(Org)
              .Append(", Bucket = ").Append(Bucket)
              .Append(", Token = ").Append(OptionChecks.Redact(Token));
        }

        sb.Append(", BatchSize = ").Append(BatchSize)
          .Append(", FlushInterval = ").Append(FlushInterval)
          .Append(", BufferCapacity = ").Append(BufferCapacity)
          .Append(", BufferFullMode = ").Append(BufferFullMode)
          .Append(", Gzip = ").Append(Gzip)
          .Append(", MaxBlock = ").Append(MaxBlock)
          .Append(", MaxRetries = ").Append(MaxRetries?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "until accepted")
          .Append(", InitialBackoff = ").Append(InitialBackoff)
          .Append(", MaxBackoff = ").Append(MaxBackoff)
          .Append(", RequestTimeout = ").Append(RequestTimeout)
          .Append(", ShutdownTimeout = ").Append(ShutdownTimeout)
          .Append(" }");
        return sb.ToString();
    }
}
