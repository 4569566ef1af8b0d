using Monitor.Settings;

namespace Monitor.Alerting;

/// <summary>
/// Settings of alert delivery: the Alertmanager client (<see cref="AlertmanagerSink"/>) and generic
/// webhooks (<see cref="WebhookSink"/>). Secrets (<see cref="Password"/>, <see cref="BearerToken"/>)
/// never appear in <see cref="ToString"/>.
/// </summary>
public sealed record AlertingOptions
{
    private const string Owner = "Alerting";

    /// <summary>Base address of Alertmanager, e.g. <c>http://localhost:9093</c> (a path prefix is kept); null (default) sends nothing there.</summary>
    public Uri? AlertmanagerUrl { get; init; }

    /// <summary>How often every firing alert is re-sent to Alertmanager; its <c>endsAt</c> is now + 4 × this. Default 30 s.</summary>
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Generic JSON webhooks; each gets every change. Default none.</summary>
    public IReadOnlyList<Uri> WebhookUrls { get; init; } = [];

    /// <summary>Chat-group robots (<c>alerting.receivers</c>); each gets every change. Default none.</summary>
    public IReadOnlyList<ReceiverOptions> Receivers { get; init; } = [];

    /// <summary>Grafana base address for <c>generatorURL</c> (<c>{GrafanaUrl}/d/{uid}?viewPanel={id}</c>); null omits it.</summary>
    public Uri? GrafanaUrl { get; init; }

    /// <summary>
    /// Base of every rule's repo-relative <c>runbook</c> (<c>docs/runbook.md#…</c>), so the <c>runbook_url</c>
    /// of a notification opens; default <see cref="RunbookLinks.DefaultBase"/> (the repository's web view).
    /// </summary>
    public Uri RunbookBaseUrl { get; init; } = RunbookLinks.DefaultBase;

    /// <summary>Alertmanager basic-auth user; with <see cref="Password"/>. Not sent to webhooks.</summary>
    public string? Username { get; init; }

    /// <summary>Alertmanager basic-auth password. Secret.</summary>
    public string? Password { get; init; }

    /// <summary>Alertmanager bearer token (<c>Authorization: Bearer …</c>), instead of basic auth. Secret. Not sent to webhooks.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Timeout of one HTTP attempt; default 10 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cap of the first retry's delay; each retry doubles it up to <see cref="MaxBackoff"/>, and the delay is drawn uniformly below the cap (full jitter). Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest delay between two attempts, also for a server's <c>Retry-After</c>; default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most alert instances the Alertmanager sink keeps firing; a new one beyond is dropped and counted. Default 50 000.</summary>
    public int MaxActiveAlerts { get; init; } = 50_000;

    /// <summary>
    /// Most alert instances one shop (its <c>shop</c> label) keeps firing at Alertmanager; a new one beyond is
    /// dropped and counted, so a flood of one shop's (or fake shops') alerts leaves room for the others. The
    /// shipped rules give a shop at most about 30 instances (one per rule, keyword categories apart). Default 100.
    /// </summary>
    public int MaxActiveAlertsPerShop { get; init; } = 100;

    /// <summary>Who is on call per shop (<c>alerting.onCall</c>): the people chat robots @-mention for that shop's alerts. Default: nobody.</summary>
    public IReadOnlyDictionary<string, ShopOnCall> OnCall { get; init; } = new Dictionary<string, ShopOnCall>(StringComparer.Ordinal);

    /// <summary>
    /// Rules whose critical alert holds back its shop's lesser alerts (<see cref="ShopInhibition"/>,
    /// <c>alerting.inhibitBy</c>); default <c>CrisisLevelRaised</c>; empty turns inhibition off.
    /// </summary>
    public IReadOnlyList<string> InhibitBy { get; init; } = ShopInhibition.DefaultRules;

    /// <summary>Most notifications waiting to be sent per sink (Alertmanager resolves, webhook changes); the oldest is dropped and counted beyond. Default 10 000.</summary>
    public int MaxPendingNotifications { get; init; } = 10_000;

    /// <summary>Most alerts in one POST; more waiting go in the next one at once. Default 500.</summary>
    public int MaxBatchSize { get; init; } = 500;

    /// <summary>How long disposing a sink keeps trying to send what is pending; what is left then counts as failed. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The Grafana link for a rule's panel (<c>dashboardUid/panelId</c>):
    /// <c>{GrafanaUrl}/d/{dashboardUid}?viewPanel={panelId}</c>; just <see cref="GrafanaUrl"/> when the
    /// rule names no panel; null without a Grafana address.
    /// </summary>
    public string? GeneratorUrl(string? panel)
    {
        if (GrafanaUrl is null)
        {
            return null;
        }

        var root = GrafanaUrl.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        if (string.IsNullOrWhiteSpace(panel))
        {
            return root + "/";
        }

        var slash = panel.IndexOf('/', StringComparison.Ordinal);
        var dashboard = slash < 0 ? panel : panel[..slash];
        var link = $"{root}/d/{Uri.EscapeDataString(dashboard)}";
        return slash < 0 || slash == panel.Length - 1 ? link : $"{link}?viewPanel={Uri.EscapeDataString(panel[(slash + 1)..])}";
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (AlertmanagerUrl is not null)
        {
            OptionChecks.HttpUrl(AlertmanagerUrl, Owner, nameof(AlertmanagerUrl));
            if (!string.IsNullOrEmpty(AlertmanagerUrl.UserInfo))
            {
                // Never sent (the sink strips it) and would be printed: credentials go in Username/Password.
                throw new ArgumentException($"{Owner} {nameof(AlertmanagerUrl)} must not carry credentials; use the username and passwordFile settings.", nameof(AlertmanagerUrl));
            }
        }

        foreach (var url in WebhookUrls ?? throw new ArgumentException("Alerting WebhookUrls must not be null.", nameof(WebhookUrls)))
        {
            OptionChecks.HttpUrl(url, Owner, nameof(WebhookUrls));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var receiver in Receivers ?? throw new ArgumentException("Alerting Receivers must not be null.", nameof(Receivers)))
        {
            OptionChecks.HttpUrl(receiver.Url, Owner, $"receiver {receiver.Name}");
            if (!names.Add(receiver.Name))
            {
                throw new ArgumentException($"Alerting has two receivers named '{receiver.Name}'.", nameof(Receivers));
            }
        }

        if (GrafanaUrl is not null)
        {
            OptionChecks.HttpUrl(GrafanaUrl, Owner, nameof(GrafanaUrl));
        }

        OptionChecks.HttpUrl(RunbookBaseUrl, Owner, nameof(RunbookBaseUrl));

        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(Username))
        {
            throw new ArgumentException("Alerting takes either Username/Password or BearerToken, not both.", nameof(BearerToken));
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            throw new ArgumentException("Alerting Password needs a Username.", nameof(Username));
        }

        foreach (var (value, name) in new[]
        {
            (ResendInterval, nameof(ResendInterval)), (RequestTimeout, nameof(RequestTimeout)), (InitialBackoff, nameof(InitialBackoff)),
            (MaxBackoff, nameof(MaxBackoff)), (ShutdownTimeout, nameof(ShutdownTimeout)),
        })
        {
            OptionChecks.Positive(value, Owner, name);
        }

        foreach (var (value, name) in new[]
        {
            (MaxActiveAlerts, nameof(MaxActiveAlerts)), (MaxActiveAlertsPerShop, nameof(MaxActiveAlertsPerShop)), (MaxPendingNotifications, nameof(MaxPendingNotifications)), (MaxBatchSize, nameof(MaxBatchSize)),
        })
        {
            OptionChecks.Positive(value, Owner, name);
        }
    }

    /// <summary>All settings, secrets redacted.</summary>
    public override string ToString()
    {
        (string Name, object? Value)[] settings =
        [
            (nameof(AlertmanagerUrl), Show(AlertmanagerUrl)),
            (nameof(ResendInterval), ResendInterval),
            (nameof(WebhookUrls), "[" + string.Join(", ", (WebhookUrls ?? []).Select(Redact)) + "]"),
            (nameof(Receivers), "[" + string.Join(", ", Receivers ?? []) + "]"),
            (nameof(GrafanaUrl), Show(GrafanaUrl)),
            (nameof(Username), Username),
            (nameof(Password), OptionChecks.Redact(Password)),
            (nameof(BearerToken), OptionChecks.Redact(BearerToken)),
            (nameof(RequestTimeout), RequestTimeout),
            (nameof(InitialBackoff), InitialBackoff),
            (nameof(MaxBackoff), MaxBackoff),
            (nameof(MaxActiveAlerts), MaxActiveAlerts),
            (nameof(MaxActiveAlertsPerShop), MaxActiveAlertsPerShop),
            (nameof(MaxPendingNotifications), MaxPendingNotifications),
            (nameof(MaxBatchSize), MaxBatchSize),
            (nameof(ShutdownTimeout), ShutdownTimeout),
            (nameof(InhibitBy), "[" + string.Join(", ", InhibitBy) + "]"),
            (nameof(OnCall), $"{OnCall.Count} shops"),
        ];
        return "AlertingOptions { " + string.Join(", ", settings.Select(s => $"{s.Name} = {s.Value}")) + " }";
    }

    /// <summary>Scheme, host, port and path only: a webhook URL's query string may hold a key, so it is never shown.</summary>
    /// <summary>
    /// A webhook address fit for logs and errors: scheme, host, port and the first path segment. Chat
    /// robots and hook services put their key in the rest of the path (<c>/services/T0/B0/XXXX</c>,
    /// <c>/open-apis/bot/v2/hook/&lt;token&gt;</c>) or in the query (<c>?access_token=</c>, <c>?key=</c>), so
    /// both become <c>…</c>; user info never shows.
    /// </summary>
    public static string Redact(Uri? url)
    {
        if (url is null)
        {
            return "(none)";
        }

        var root = url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var hidden = segments.Length > 1 || url.Query.Length > 1 || url.Fragment.Length > 1;
        return root + (segments.Length > 0 ? "/" + segments[0] : "") + (hidden ? "/…" : segments.Length > 0 ? "" : "/");
    }

    internal static string Show(Uri? url) =>
        url is null ? "(none)" : url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
