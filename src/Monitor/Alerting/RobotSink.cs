using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Monitor.Core.Alerts;
using Monitor.Observability;

namespace Monitor.Alerting;

/// <summary>
/// What the chat-group robots share (docs/alerts.md, "Chat robots"): every change waiting at a send
/// goes into one markdown message, so a burst of alerts is one message, not one per alert; the
/// robot's documented rate (<see cref="MessagesPerMinute"/>, and <see cref="MinInterval"/> between
/// two sends where a per-second limit applies) is never exceeded (a message beyond it waits for the
/// oldest send to leave the minute, and what arrives meanwhile rides along); a
/// message holds at most <see cref="MaxTextBytes"/> bytes of UTF-8 text, changes beyond go in the
/// next. The robot answers 200 with an <c>errcode</c>, which <see cref="Judge"/> reads. The URL
/// (it holds the robot's key) and any secret are never logged.
/// </summary>
public abstract class RobotSink : QueuedAlertSink<RobotSink.Queued>
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);
    private readonly Queue<DateTimeOffset> _sent = new();
    private DateTimeOffset _lastSent = DateTimeOffset.MinValue;

    private protected RobotSink(string vendor, ReceiverOptions receiver, AlertingOptions options, HttpClient? http, TimeProvider time, MonitorMetrics? metrics, ILogger? logger, Random? jitter)
        : base(receiver.Name, options, time, metrics, logger)
    {
        Url = receiver.Url;
        Receiver = receiver;
        var shown = AlertingOptions.Redact(receiver.Url);
        Logger.LogInformation("Sending alert changes to {Vendor} robot {Sink} at {Url}", vendor, receiver.Name, shown);
        Start($"{vendor} robot {receiver.Name} ({shown})", receiver.Url, http, null, jitter);
    }

    /// <summary>Messages the robot accepts per minute.</summary>
    private protected abstract int MessagesPerMinute { get; }

    /// <summary>Shortest time between two messages (a per-second limit), or zero.</summary>
    private protected virtual TimeSpan MinInterval => TimeSpan.Zero;

    /// <summary>Longest text of one message, in UTF-8 bytes.</summary>
    private protected abstract int MaxTextBytes { get; }

    /// <summary>The receiver's settings (its filters).</summary>
    private protected ReceiverOptions Receiver { get; }

    /// <summary>The robot's address, with its key.</summary>
    private protected Uri Url { get; }

    /// <summary>The JSON body of a message sent at <paramref name="now"/> (a body may carry its signature) that @-mentions <paramref name="mentions"/>.</summary>
    private protected abstract byte[] Body(string title, string text, Mentions mentions, DateTimeOffset now);

    /// <summary>The line the vendor's markup needs in the text to @-mention <paramref name="mentions"/> (not empty).</summary>
    private protected abstract string MentionLine(Mentions mentions);

    /// <summary>Where to POST at <paramref name="now"/> (a signed address), or null for <see cref="Url"/>.</summary>
    private protected virtual Uri? Endpoint(DateTimeOffset now) => null;

    /// <summary>What the robot's <c>errcode</c> (and <c>errmsg</c>) say.</summary>
    private protected abstract AnswerVerdict Judge(long errcode, string? errmsg);

    private protected override void Accept(AlertChange change)
    {
        // A hand-over is internal bookkeeping between instances, not news for a group; the
        // receiver's filters (severity, team) pick what its group sees.
        if (change.Kind != AlertChangeKind.HandedOver && Receiver.Wants(change))
        {
            Enqueue(new Queued(change, Time.GetTimestamp()));
        }
    }

    private protected override DateTimeOffset? NextDueAt
    {
        get
        {
            lock (Gate)
            {
                if (Queue.Count == 0)
                {
                    return null;
                }

                // The later of: the oldest send leaving the minute, and the spacing after the last send.
                DateTimeOffset? due = _sent.Count >= MessagesPerMinute ? _sent.Peek() + RateWindow : null;
                if (MinInterval > TimeSpan.Zero && _lastSent != DateTimeOffset.MinValue && (due is null || _lastSent + MinInterval > due))
                {
                    due = _lastSent + MinInterval;
                }

                return due;
            }
        }
    }

    private protected override IReadOnlyList<KeyValuePair<string, string>> LabelsOf(Queued queued) => queued.Change.Labels;

    private protected override DeliveryBatch? Take(DateTimeOffset now)
    {
        var peeked = new List<(long Sequence, Queued Item)>();
        lock (Gate)
        {
            while (_sent.TryPeek(out var at) && at + RateWindow <= now)
            {
                _sent.Dequeue();
            }

            if (_sent.Count >= MessagesPerMinute || (_lastSent != DateTimeOffset.MinValue && now < _lastSent + MinInterval))
            {
                return null; // NextDueAt wakes the loop when a place frees
            }

            Queue.PeekInto(peeked, Options.MaxBatchSize);
            if (peeked.Count == 0)
            {
                return null;
            }

            _sent.Enqueue(now);
            _lastSent = now;
        }

        var (title, text, taken) = Message(peeked.Select(p => p.Item.Change).ToArray(), MaxTextBytes);
        var batch = peeked.Take(taken).ToArray();
        var mentions = MentionsFor(batch.Select(p => p.Item.Change));
        if (!mentions.IsEmpty && MentionLine(mentions) is { Length: > 0 } line)
        {
            text += "\n" + line + "\n";
        }

        return new DeliveryBatch(Body(title, text, mentions, now), batch.Length, batch.Select(p => p.Item.Received).ToArray(), batch[^1].Sequence)
        {
            Labels = batch.Select(p => p.Item.Change.Labels).ToArray(),
            Endpoint = Endpoint(now),
            JudgeAnswer = Answer,
        };
    }

    /// <summary>
    /// The on-call people of the shops whose alerts fire in <paramref name="changes"/> at the receiver's
    /// <see cref="ReceiverOptions.MentionFrom"/> or above (resolves never mention), each once, at most
    /// <see cref="MaxMentions"/> of each kind.
    /// </summary>
    private Mentions MentionsFor(IEnumerable<AlertChange> changes)
    {
        if (Options.OnCall.Count == 0)
        {
            return Mentions.None;
        }

        var onCall = changes
            .Where(c => c.IsFiring && c.Severity >= Receiver.MentionFrom)
            .Select(c => c.Label("shop") is { } shop && Options.OnCall.TryGetValue(shop, out var people) ? people : null)
            .OfType<ShopOnCall>()
            .ToArray();
        return new Mentions(
            onCall.SelectMany(p => p.Mobiles).Distinct(StringComparer.Ordinal).Take(MaxMentions).ToArray(),
            onCall.SelectMany(p => p.UserIds).Distinct(StringComparer.Ordinal).Take(MaxMentions).ToArray());
    }

    /// <summary>Most phone numbers, and most user ids, one message @-mentions.</summary>
    public const int MaxMentions = 10;

    /// <summary>
    /// The message for <paramref name="changes"/> (oldest first): a title naming the worst firing
    /// severity and the count, and one markdown line per change, as many as fit in
    /// <paramref name="maxBytes"/> of UTF-8 (at least one, cut to fit); returns how many it holds.
    /// </summary>
    internal static (string Title, string Text, int Taken) Message(IReadOnlyList<AlertChange> changes, int maxBytes)
    {
        const int Reserve = 200; // the heading and the "more in the next message" line
        var budget = maxBytes - Reserve;
        var lines = new StringBuilder();
        var bytes = 0;
        var taken = 0;
        foreach (var change in changes)
        {
            var line = Line(change);
            var size = Encoding.UTF8.GetByteCount(line);
            if (taken > 0 && bytes + size > budget)
            {
                break;
            }

            if (size > budget)
            {
                line = Cut(line, budget - 5) + " …\n";
                size = Encoding.UTF8.GetByteCount(line);
            }

            lines.Append(line);
            bytes += size;
            taken++;
        }

        if (taken < changes.Count)
        {
            lines.Append(CultureInfo.InvariantCulture, $"\n{changes.Count - taken} more in the next message\n");
        }

        var included = changes.Take(taken).ToArray();
        var firing = included.Where(c => c.IsFiring).Select(c => c.Severity).DefaultIfEmpty(Severity.Info).Max();
        var title = included.Any(c => c.IsFiring)
            ? $"[{firing.Label()}] {taken} alert change{(taken == 1 ? "" : "s")}"
            : $"[resolved] {taken} alert{(taken == 1 ? "" : "s")}";
        return (title, $"### {title}\n\n{lines}", taken);
    }

    /// <summary>The longest prefix of <paramref name="text"/> within <paramref name="maxBytes"/> of UTF-8, not splitting a character.</summary>
    private static string Cut(string text, int maxBytes)
    {
        var length = 0;
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }

        return text[..length];
    }

    private static string Line(AlertChange change)
    {
        var shop = change.Label("shop") is { } s ? $" shop **{s}**" : "";
        var what = change.Annotation("summary") ?? change.Rule;
        var status = change.Kind switch
        {
            AlertChangeKind.Fired => $"🔴 **{change.Severity.Label()}** fired",
            AlertChangeKind.Escalated => $"🔺 escalated to **{change.Severity.Label()}**",
            AlertChangeKind.Deescalated => $"🔻 de-escalated to **{change.Severity.Label()}**",
            AlertChangeKind.Reminded => $"⏰ still **{change.Severity.Label()}**",
            _ => "✅ resolved",
        };

        // The war room reads China Standard Time.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(change.AtMs).ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        var runbook = change.Annotation("runbook_url") is { } url ? $" [runbook]({url})" : "";
        var held = change.Annotation(ShopInhibition.HeldAnnotation) is { } list ? $" (held back behind it: {list})" : "";
        return $"- {status} {change.Rule}{shop} at {at}: {what}{held}{runbook}\n";
    }

    private AnswerVerdict Answer(string body)
    {
        try
        {
            using var answer = JsonDocument.Parse(body);
            // DingTalk and WeCom answer errcode/errmsg, Feishu code/msg.
            var root = answer.RootElement;
            var code = (root.TryGetProperty("errcode", out var errcode) || root.TryGetProperty("code", out errcode)) && errcode.TryGetInt64(out var c) ? c : -1;
            var message = (root.TryGetProperty("errmsg", out var errmsg) || root.TryGetProperty("msg", out errmsg)) && errmsg.ValueKind == JsonValueKind.String ? errmsg.GetString() : null;
            return Judge(code, message);
        }
        catch (JsonException)
        {
            return AnswerVerdict.Refused("the robot answered 2xx with a body that is not JSON");
        }
    }

    /// <summary>Waits a minute: the robot's rate window.</summary>
    private protected static AnswerVerdict TooFast(string problem) => AnswerVerdict.TryAgain(problem, RateWindow);

    /// <summary>A change waiting, with when it reached the sink.</summary>
    public sealed record Queued(AlertChange Change, long Received);

    /// <summary>The people one message @-mentions: phone numbers and the vendor's user ids.</summary>
    private protected readonly record struct Mentions(IReadOnlyList<string> Mobiles, IReadOnlyList<string> UserIds)
    {
        public static Mentions None { get; } = new([], []);

        public bool IsEmpty => Mobiles.Count == 0 && UserIds.Count == 0;
    }
}
