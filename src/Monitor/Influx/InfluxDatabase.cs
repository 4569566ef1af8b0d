namespace Monitor.Influx;

/// <summary>Creating the InfluxDB 1.x database the writer writes to, for the verbs that start against a fresh server.</summary>
public static class InfluxDatabase
{
    /// <summary>
    /// <c>CREATE DATABASE</c> (a no-op when it exists) through <c>POST {Url}/query</c>, with the
    /// writer's credentials. Returns null on success, or one line saying what failed (unreachable,
    /// refused credentials, an InfluxDB error) for the caller to print. V2 (buckets) is left alone.
    /// </summary>
    public static async Task<string?> EnsureAsync(InfluxOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Api != InfluxApi.V1)
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var shown = options.Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(shown.TrimEnd('/') + "/query"))
        {
            Content = new FormUrlEncodedContent([new("q", $"CREATE DATABASE {QuoteIdentifier(options.Database)}")]),
        };
        request.Headers.Authorization = InfluxWriter.AuthorizationFor(options);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return $"InfluxDB at {shown} answered {(int)response.StatusCode} to CREATE DATABASE \"{options.Database}\": {Trim(body)}";
            }

            // InfluxDB 1.x reports statement errors (e.g. no admin rights) inside a 200.
            return body.Contains("\"error\"", StringComparison.Ordinal)
                ? $"InfluxDB at {shown} refused CREATE DATABASE \"{options.Database}\": {Trim(body)}"
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"InfluxDB at {shown} is unreachable: {ex.Message}";
        }
    }

    /// <summary>An InfluxQL identifier in double quotes, with quotes and backslashes escaped.</summary>
    internal static string QuoteIdentifier(string name) =>
        "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Trim(string body) => body.Length <= 300 ? body.Trim() : body[..300].Trim() + "…";
}
