using Monitor.Core.Events;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// The chat waiting state machine of one shop (DESIGN §4) and its two outputs: response times per
/// (channel, kind, responder) over the window, and the backlog of waiting conversations per
/// channel. Events must be applied in event-time order; the engine guarantees it.
/// </summary>
internal sealed class ChatState(string shopId, EngineOptions options) : IShopFamily
{
    private const int Channels = 3;

    private readonly Dictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);
    private readonly SortedSet<TimedKey<Conversation>>[] _waiting = [new(), new(), new()];
    private readonly long[] _lastEventMs = [long.MinValue, long.MinValue, long.MinValue];

    // Index: channel * 4 + kind (0 first, 1 reply) * 2 + responder (0 agent, 1 bot).
    private readonly ResponseSeries?[] _responses = new ResponseSeries?[Channels * 4];

    // Bot figures per channel: closes (value 1 when resolved by the bot) and transfers, in the window.
    private readonly BotSeries?[] _bot = new BotSeries?[Channels];
    private long _nextSequence;

    private readonly long _windowMs = (long)options.ConversationWindow.TotalMilliseconds;
    private readonly long _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
    private readonly long _staleMs = (long)options.StaleItemAge.TotalMilliseconds;

    public int OpenConversations => _conversations.Count;

    /// <summary>Conversations of <paramref name="channel"/> waiting for a reply, longest-waiting first.</summary>
    public IEnumerable<OpenItem> Waiting(TextChannel channel) => OpenItem.Of(_waiting[(int)channel], c => c.Id);

    /// <summary>Applies one chats event. Returns false when a late event was too old to apply meaningfully.</summary>
    public bool Apply(MonitorEvent e, bool late)
    {
        var id = e.ConversationId!;
        _conversations.TryGetValue(id, out var conversation);
        if (late && conversation is not null && e.TimestampMs < conversation.LastEventMs)
        {
            return false;
        }

        if (e.Type == EventType.ConversationClosed)
        {
            // A close for a conversation not in state (opened before a restart) touches no
            // backlog series; the bot figures count it under the close event's own channel.
            var channel = conversation?.Channel ?? e.Channel;
            Bot(channel, e.TimestampMs).Closes.Add(e.TimestampMs, e.ResolvedBy == Sender.Bot ? 1 : 0);
            if (conversation is not null)
            {
                StopWaiting(conversation);
                _conversations.Remove(id);
                Touch(conversation.Channel, e.TimestampMs);
            }

            return true;
        }

        if (e.Type == EventType.ConversationTransferred)
        {
            Bot(conversation?.Channel ?? e.Channel, e.TimestampMs).Transfers.Add(e.TimestampMs, 1);
        }

        if (conversation is null)
        {
            conversation = new Conversation(id, e.Channel, _nextSequence++);
            _conversations.Add(id, conversation);
        }

        conversation.LastEventMs = Math.Max(conversation.LastEventMs, e.TimestampMs);
        Touch(conversation.Channel, e.TimestampMs);

        if (e.Type != EventType.Message)
        {
            return true;
        }

        if (e.Sender == Sender.Customer)
        {
            if (conversation.WaitingSinceMs == long.MinValue)
            {
                conversation.WaitingSinceMs = e.TimestampMs;
                _waiting[(int)conversation.Channel].Add(new TimedKey<Conversation>(e.TimestampMs, conversation.Sequence, conversation));
            }

            return true;
        }

        if (conversation.WaitingSinceMs != long.MinValue)
        {
            var kind = conversation.Responded ? 1 : 0;
            var responder = e.Sender == Sender.Bot ? 1 : 0;
            var index = ((int)conversation.Channel * 4) + (kind * 2) + responder;
            var series = _responses[index] ??= new ResponseSeries();
            series.Samples.Add(e.TimestampMs, (e.TimestampMs - conversation.WaitingSinceMs) / 1000.0);
            series.LastEventMs = Math.Max(series.LastEventMs, e.TimestampMs);
            conversation.Responded = true;
            StopWaiting(conversation);
        }

        return true;
    }

    /// <summary>Emits this shop's chat points for boundary <paramref name="boundaryMs"/>.</summary>
    public void Emit(long boundaryMs, Action<MetricPoint> emit)
    {
        var activeSince = boundaryMs - _ttlMs;
        var windowStart = boundaryMs - _windowMs;
        for (var channel = 0; channel < Channels; channel++)
        {
            var channelName = Names.Of((TextChannel)channel);
            var waiting = _waiting[channel];
            if (waiting.Count > 0 || (_lastEventMs[channel] != long.MinValue && _lastEventMs[channel] >= activeSince))
            {
                emit(PointBuilder.Backlog(shopId, channelName, waiting.Count, waiting.Count > 0 ? waiting.Min.TimeMs : boundaryMs, boundaryMs));
            }

            EmitResponses(channel, channelName, boundaryMs, windowStart, activeSince, emit);
            EmitBot(channel, channelName, boundaryMs, windowStart, activeSince, emit);
        }
    }

    /// <summary>True when nothing is open and no series is active any more: the shop can leave state.</summary>
    public bool IsIdle(long boundaryMs)
    {
        if (_conversations.Count > 0)
        {
            return false;
        }

        var activeSince = boundaryMs - _ttlMs;
        foreach (var last in _lastEventMs)
        {
            if (last != long.MinValue && last >= activeSince)
            {
                return false;
            }
        }

        foreach (var series in _responses)
        {
            if (series is not null && (series.LastEventMs >= activeSince || series.Samples.Count > 0))
            {
                return false;
            }
        }

        foreach (var series in _bot)
        {
            if (series is not null && (series.LastEventMs >= activeSince || series.Closes.Count > 0 || series.Transfers.Count > 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drops conversations with no event for <see cref="EngineOptions.StaleItemAge"/>.</summary>
    public void EvictStale(long boundaryMs) =>
        StaleItems.Evict(_conversations, c => c.LastEventMs, boundaryMs - _staleMs, (id, conversation) =>
        {
            StopWaiting(conversation);
            _conversations.Remove(id);
        });

    private void EmitResponses(int channel, string channelName, long boundaryMs, long windowStart, long activeSince, Action<MetricPoint> emit)
    {
        var slaSeconds = options.ReplySla((TextChannel)channel).TotalSeconds;
        List<double>? all = null;
        var anyActive = false;
        for (var slot = 0; slot < 4; slot++)
        {
            var index = (channel * 4) + slot;
            var series = _responses[index];
            if (series is null)
            {
                continue;
            }

            series.Samples.EvictBefore(windowStart);
            if (series.LastEventMs < activeSince && series.Samples.Count == 0)
            {
                _responses[index] = null;
                continue;
            }

            anyActive = true;
            var sorted = series.Samples.Sorted();
            var fields = PointBuilder.Distribution(sorted, extraCapacity: 1);
            if (!sorted.IsEmpty)
            {
                var within = 0;
                foreach (var value in sorted)
                {
                    if (value <= slaSeconds)
                    {
                        within++;
                    }
                }

                fields.Add(MetricField.Float("within_sla_ratio", (double)within / sorted.Length));
                (all ??= []).AddRange(sorted);
            }

            emit(new MetricPoint(
                Measurements.ResponseTime,
                [
                    PointBuilder.Tag("channel", channelName),
                    PointBuilder.Tag("kind", slot < 2 ? "first" : "reply"),
                    PointBuilder.Tag("responder", slot % 2 == 0 ? "agent" : "bot"),
                    PointBuilder.Tag("shop", shopId),
                ],
                fields,
                boundaryMs));
        }

        if (anyActive)
        {
            var combined = all?.ToArray() ?? [];
            Array.Sort(combined);
            var fields = new List<MetricField>(2) { MetricField.Int("count", combined.Length) };
            if (combined.Length > 0)
            {
                fields.Add(MetricField.Float("p90", Percentiles.NearestRank(combined, 90)));
            }

            emit(new MetricPoint(
                Measurements.ResponseTimeByChannel,
                [PointBuilder.Tag("channel", channelName), PointBuilder.Tag("shop", shopId)],
                fields,
                boundaryMs));
        }
    }

    /// <summary>
    /// bot{shop, channel}: closed, bot_resolved, transferred in [b − W, b); bot_resolved_ratio =
    /// bot_resolved / closed (absent when nothing closed). Emitted while a close or transfer of
    /// the channel happened within the TTL or the window still holds one.
    /// </summary>
    private void EmitBot(int channel, string channelName, long boundaryMs, long windowStart, long activeSince, Action<MetricPoint> emit)
    {
        if (_bot[channel] is not { } series)
        {
            return;
        }

        series.Closes.EvictBefore(windowStart);
        series.Transfers.EvictBefore(windowStart);
        if (series.LastEventMs < activeSince && series.Closes.Count == 0 && series.Transfers.Count == 0)
        {
            _bot[channel] = null;
            return;
        }

        var closed = series.Closes.Count;
        var botResolved = 0;
        foreach (var value in series.Closes.Values)
        {
            botResolved += (int)value;
        }

        var fields = new List<MetricField>(4)
        {
            MetricField.Int("closed", closed),
            MetricField.Int("bot_resolved", botResolved),
            MetricField.Int("transferred", series.Transfers.Count),
        };
        if (closed > 0)
        {
            fields.Add(MetricField.Float("bot_resolved_ratio", (double)botResolved / closed));
        }

        emit(new MetricPoint(
            Measurements.Bot,
            [PointBuilder.Tag("channel", channelName), PointBuilder.Tag("shop", shopId)],
            fields,
            boundaryMs));
    }

    private BotSeries Bot(TextChannel channel, long timestampMs)
    {
        var series = _bot[(int)channel] ??= new BotSeries();
        series.LastEventMs = Math.Max(series.LastEventMs, timestampMs);
        return series;
    }

    private void Touch(TextChannel channel, long timestampMs) =>
        _lastEventMs[(int)channel] = Math.Max(_lastEventMs[(int)channel], timestampMs);

    private void StopWaiting(Conversation conversation)
    {
        if (conversation.WaitingSinceMs != long.MinValue)
        {
            _waiting[(int)conversation.Channel].Remove(new TimedKey<Conversation>(conversation.WaitingSinceMs, conversation.Sequence, conversation));
            conversation.WaitingSinceMs = long.MinValue;
        }
    }

    /// <summary>Per-conversation state: about 64 bytes; the id string is shared with the dictionary key.</summary>
    private sealed class Conversation(string id, TextChannel channel, long sequence)
    {
        public string Id { get; } = id;
        public TextChannel Channel { get; } = channel;
        public long Sequence { get; } = sequence;
        public long WaitingSinceMs { get; set; } = long.MinValue;
        public long LastEventMs { get; set; } = long.MinValue;
        public bool Responded { get; set; }
    }

    private sealed class BotSeries
    {
        public SampleWindow Closes { get; } = new();
        public SampleWindow Transfers { get; } = new();
        public long LastEventMs { get; set; } = long.MinValue;
    }

    private sealed class ResponseSeries
    {
        public SampleWindow Samples { get; } = new();
        public long LastEventMs { get; set; } = long.MinValue;
    }
}
