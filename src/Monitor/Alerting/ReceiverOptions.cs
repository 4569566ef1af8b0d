using Monitor.Core.Alerts;

namespace Monitor.Alerting;

/// <summary>The chat robots the monitor delivers to natively (<c>alerting.receivers[].type</c>).</summary>
public enum ReceiverType
{
    /// <summary>A DingTalk (钉钉) group's custom robot: markdown messages, optionally signed.</summary>
    DingTalk,

    /// <summary>A WeCom (企业微信) group robot: markdown messages, the key in the URL.</summary>
    WeCom,

    /// <summary>A Feishu (飞书) group's custom bot: interactive cards, optionally signed.</summary>
    Feishu,
}

/// <summary>
/// One chat-group robot of <c>alerting.receivers</c>. The robot's URL carries its access token and
/// <see cref="Secret"/> is its signing secret: both are secrets, so <see cref="ToString"/> shows the
/// host and the first path segment only, and never the secret.
/// </summary>
/// <param name="Name">The <c>sink</c> label and the name in logs; unique among receivers.</param>
/// <param name="Type">Which robot API.</param>
/// <param name="Url">Where to POST, with its token.</param>
/// <param name="Secret">The signing secret (DingTalk "加签"); null when the robot does not sign.</param>
public sealed record ReceiverOptions(string Name, ReceiverType Type, Uri Url, string? Secret = null)
{
    /// <summary>Least severity this receiver gets (<c>minSeverity</c>); a resolve comes when its firing did. Default: all.</summary>
    public Severity MinSeverity { get; init; } = Severity.Info;

    /// <summary>The <c>team</c> label values this receiver gets (<c>teams</c>); empty (default): every team.</summary>
    public IReadOnlyList<string> Teams { get; init; } = [];

    /// <summary>The <c>shop</c> label values this receiver gets (<c>shops</c>): a shop's own group; empty (default): every shop.</summary>
    public IReadOnlyList<string> Shops { get; init; } = [];

    /// <summary>
    /// Least severity at which a firing change @-mentions its shop's on-call people
    /// (<see cref="AlertingOptions.OnCall"/>, <c>mentionFrom</c>); default critical. Resolves never mention.
    /// </summary>
    public Severity MentionFrom { get; init; } = Severity.Critical;

    /// <summary>True when <paramref name="change"/> is for this receiver: its severity, team and shop pass the filters.</summary>
    public bool Wants(AlertChange change) =>
        change.Severity >= MinSeverity
        && (Teams.Count == 0 || (change.Label("team") is { } team && Teams.Contains(team, StringComparer.Ordinal)))
        && (Shops.Count == 0 || (change.Label("shop") is { } shop && Shops.Contains(shop, StringComparer.Ordinal)));

    /// <summary>Record equality over the filters' contents too.</summary>
    public bool Equals(ReceiverOptions? other) =>
        other is not null && Name == other.Name && Type == other.Type && Url == other.Url && Secret == other.Secret
        && MinSeverity == other.MinSeverity && MentionFrom == other.MentionFrom
        && Teams.SequenceEqual(other.Teams, StringComparer.Ordinal) && Shops.SequenceEqual(other.Shops, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Type, Url, MinSeverity);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} ({Type}, {AlertingOptions.Redact(Url)}, secret {(Secret is null ? "none" : "(set)")})";
}

/// <summary>
/// Who is on call for one shop (<c>alerting.onCall.&lt;shop&gt;</c>): the people a chat robot
/// @-mentions when one of the shop's alerts fires at the receiver's <see cref="ReceiverOptions.MentionFrom"/>.
/// Phone numbers and user ids are personal data: they go to the chat vendor in the message, never to a log.
/// </summary>
/// <param name="Mobiles">Phone numbers as the group members registered them (DingTalk <c>atMobiles</c>).</param>
/// <param name="UserIds">User ids of the vendor: DingTalk user ids, WeCom userids, Feishu open_ids.</param>
public sealed record ShopOnCall(IReadOnlyList<string> Mobiles, IReadOnlyList<string> UserIds)
{
    /// <summary>Record equality over the lists' contents.</summary>
    public bool Equals(ShopOnCall? other) =>
        other is not null && Mobiles.SequenceEqual(other.Mobiles, StringComparer.Ordinal) && UserIds.SequenceEqual(other.UserIds, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Mobiles.Count, UserIds.Count);

    /// <summary>Counts only: the numbers and ids stay out of logs.</summary>
    public override string ToString() => $"{Mobiles.Count} mobiles, {UserIds.Count} user ids";
}
