namespace Monitor.Kafka;

/// <summary>
/// Which librdkafka properties hold secrets. Their values never come from the settings file (they
/// come from <c>kafka.secretFiles</c> or MONITOR_KAFKA_SASL_PASSWORD) and are never shown.
/// </summary>
public static class KafkaSecrets
{
    /// <summary>
    /// The secret values among the properties librdkafka flags <c>_RK_SENSITIVE</c>. librdkafka also
    /// flags <c>sasl.username</c>, <c>ssl.key.location</c> and <c>ssl.ca.pem</c>, to keep them out of its
    /// own logs; a user name, a path and a CA's public certificate are not secrets, so the file may hold them.
    /// </summary>
    private static readonly HashSet<string> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        "sasl.password",
        "ssl.key.password",
        "ssl.key.pem",
        "ssl_key",
        "ssl.keystore.password",
        "sasl.oauthbearer.config",
        "sasl.oauthbearer.client.secret",
    };

    /// <summary>The OAUTHBEARER (OIDC) properties that only name things; every other <c>sasl.oauthbearer.*</c> counts as secret.</summary>
    private static readonly HashSet<string> PlainOauthBearer = new(StringComparer.OrdinalIgnoreCase)
    {
        "sasl.oauthbearer.method",
        "sasl.oauthbearer.client.id",
        "sasl.oauthbearer.scope",
        "sasl.oauthbearer.token.endpoint.url",
    };

    private static readonly string[] Words = ["password", "secret", "passphrase", "private", "token", "credential"];

    /// <summary>
    /// True for a property whose value is a secret: librdkafka's sensitive secrets, the
    /// <c>sasl.oauthbearer.*</c> properties but the four that only name things (method, client id,
    /// scope, token endpoint), and any name with password, secret, passphrase, private, token or
    /// credential in it (future librdkafka properties included).
    /// </summary>
    public static bool IsSecret(string property)
    {
        if (PlainOauthBearer.Contains(property))
        {
            return false;
        }

        return Named.Contains(property)
            || property.StartsWith("sasl.oauthbearer.", StringComparison.OrdinalIgnoreCase)
            || (property.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) && property.Contains("key", StringComparison.OrdinalIgnoreCase))
            || Words.Any(word => property.Contains(word, StringComparison.OrdinalIgnoreCase));
    }
}
