namespace Monitor.Settings;

/// <summary>The checks and redaction the adapters' option types share (InfluxDB, alerting).</summary>
internal static class OptionChecks
{
    /// <summary>Throws unless <paramref name="url"/> is an absolute http or https address.</summary>
    /// <param name="owner">Names the settings in the message, e.g. <c>Influx</c>.</param>
    public static void HttpUrl(Uri? url, string owner, string name)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{owner} {name} must be an absolute http or https address.", name);
        }
    }

    public static void Positive(TimeSpan value, string owner, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{owner} {name} must be positive.", name);
        }
    }

    public static void Positive(int value, string owner, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{owner} {name} must be positive.", name);
        }
    }

    /// <summary><c>***</c> for a secret that is set, <c>(none)</c> otherwise.</summary>
    public static string Redact(string? secret) => string.IsNullOrEmpty(secret) ? "(none)" : "***";
}
