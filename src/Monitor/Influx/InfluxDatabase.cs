using System.Net;
using System.Text.Json;

namespace Monitor.Influx;

/// <summary>Creating the InfluxDB 1.x database the writer writes to, for the verbs that start against a fresh server.</summary>
public static class InfluxDatabase
{
    /// <summary>
    /// <c>CREATE DATABASE</c> (a no-op when it exists) through <c>POST {Url}/query</c>, with the
    /// writer's credentials. Returns null on success, or one line saying what failed (unreachable,
    /// refused credentials, an InfluxDB error) for the caller to print. V2 (buckets) is left alone.
    /// </summary>
    /// <remarks>
    /// A writer that is not an admin (the usual production grant: <c>GRANT WRITE ON db TO monitor</c>) may not
    /// create databases; then the database only has to exist and be granted, which <c>SHOW DATABASES</c> (the
    /// databases this user holds a privilege on) tells.
    /// </remarks>
    public static async Task<string?> EnsureAsync(InfluxOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Api != InfluxApi.V1)
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var shown = options.Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        try
        {
            var (status, body) = await QueryAsync(http, options, shown, $"CREATE DATABASE {QuoteIdentifier(options.Database)}", cancellationToken);
            if (status == HttpStatusCode.Forbidden && body.Contains("requires admin privilege", StringComparison.Ordinal))
            {
                var (showStatus, databases) = await QueryAsync(http, options, shown, "SHOW DATABASES", cancellationToken);
                return showStatus == HttpStatusCode.OK && ListsDatabase(databases, options.Database)
                    ? null
                    : $"InfluxDB at {shown}: user {options.Username} may not create databases and holds no privilege on \"{options.Database}\" " +
                      $"(an admin runs CREATE DATABASE \"{options.Database}\" and GRANT WRITE ON \"{options.Database}\" TO \"{options.Username}\")";
            }

            if ((int)status is < 200 or > 299)
            {
                return $"InfluxDB at {shown} answered {(int)status} to CREATE DATABASE \"{options.Database}\": {Trim(body)}";
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

    private static async Task<(HttpStatusCode Status, string Body)> QueryAsync(
        HttpClient http, InfluxOptions options, string shown, string influxQl, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(shown.TrimEnd('/') + "/query"))
        {
            Content = new FormUrlEncodedContent([new("q", influxQl)]),
        };
        request.Headers.Authorization = InfluxSender.AuthorizationFor(options);
        using var response = await http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Whether a <c>SHOW DATABASES</c> answer names <paramref name="database"/>.</summary>
    private static bool ListsDatabase(string body, string database)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("results").EnumerateArray()
                .Where(result => result.TryGetProperty("series", out _))
                .SelectMany(result => result.GetProperty("series").EnumerateArray())
                .Where(series => series.TryGetProperty("values", out _))
                .SelectMany(series => series.GetProperty("values").EnumerateArray())
                .Any(row => row.GetArrayLength() > 0 && row[0].GetString() == database);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>An InfluxQL identifier in double quotes, with quotes and backslashes escaped.</summary>
    internal static string QuoteIdentifier(string name) =>
        "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Trim(string body) => body.Length <= 300 ? body.Trim() : body[..300].Trim() + "…";
}
