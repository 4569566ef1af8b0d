using Monitor.Core.Events;
using Monitor.Core.Metrics.Items;
using Monitor.Core.Metrics.Windows;
using Monitor.Core.Points;

namespace Monitor.Core.Metrics;

/// <summary>
/// The chat waiting state machine of one shop (DESIGN §4) and its outputs: response times per
/// (channel, kind, responder) over the window, the backlog of waiting conversations per channel,
/// and the bot figures. Events are applied on arrival (see <see cref="ItemFamily{TState,TEvent,TOp}"/>);
/// every output is read as of a boundary, so the points are those of events applied in time order.
/// </summary>
internal sealed class ChatState : ItemFamily<ChatState.Conversation, ChatState.ChatEvent, ChatState.ChatOp>, IShopFamily
{
    private const int Channels = 3;
    private const int Slots = 4;

    private readonly string _shopId;
    private readonly EngineOptions _options;
    private readonly WindowSpec _spec;
    private readonly long _stepMs;
    private readonly long _ttlMs;
    private readonly long _staleMs;
    private readonly AsOfIntervals[] _waiting;
    private readonly Activity[] _channelActivity;

    // Index: channel * 4 + kind (0 first, 1 reply) * 2 + responder (0 agent, 1 bot).
    private readonly ResponseSeries?[] _responses = new ResponseSeries?[Channels * Slots];

    // A response applied (or retracted) since the last early read: only then can a response_time series' early value have risen.
    private bool _responsesUnread = true;

    // All responses of a channel, for the by-channel p90 gauge.
    private readonly WindowSamples?[] _byChannel = new WindowSamples?[Channels];
    private readonly BotSeries?[] _bot = new BotSeries?[Channels];
    private readonly MetricPoint?[] _backlogPoints = new MetricPoint?[Channels];
    private readonly MetricPoint?[] _byChannelPoints = new MetricPoint?[Channels];
    private SampleView? _scratch;

    public ChatState(string shopId, EngineOptions options)
    {
        _shopId = shopId;
        _options = options;
        _spec = new WindowSpec(options.Step, options.ConversationWindow);
        _stepMs = (long)options.Step.TotalMilliseconds;
        _ttlMs = (long)options.SeriesTtl.TotalMilliseconds;
        _staleMs = (long)options.StaleItemAge.TotalMilliseconds;
        _waiting = [new(_stepMs), new(_stepMs), new(_stepMs)];
        _channelActivity = [new(), new(), new()];
    }

    /// <summary>Conversations in state (open, or closed with events still to settle).</summary>
    public int OpenConversations => ItemCount;

    /// <summary>Conversations of <paramref name="channel"/> waiting at <paramref name="boundaryMs"/>, longest-waiting first.</summary>
    public OpenItemCursor Waiting(TextChannel channel, long boundaryMs) => _waiting[(int)channel].ItemsAt(boundaryMs);

    /// <summary>Conversations of <paramref name="channel"/> waiting now (the early view), longest-waiting first.</summary>
    public OpenItemCursor WaitingNow(TextChannel channel) => _waiting[(int)channel].OpenItems();

    public AsOfIntervals Backlog(TextChannel channel) => _waiting[(int)channel];

    public bool Apply(MonitorEvent e, bool late, long watermarkMs) =>
        Apply(e.ConversationId!, new ChatEvent(e), late, watermarkMs);

    /// <summary>Emits this shop's chat points for <paramref name="view"/> (boundary b, or now).</summary>
    public void Emit(in View view, Action<MetricPoint> emit)
    {
        if (view.Final)
        {
            Purge(view.AtMs);
        }

        for (var channel = 0; channel < Channels; channel++)
        {
            var channelName = Names.Of((TextChannel)channel);
            var backlog = _waiting[channel];
            var active = _channelActivity[channel].Active(view, _ttlMs);
            var waiting = backlog.Count(view);
            if ((waiting > 0 || active) && view.Wants(MetricSchemas.Backlog))
            {
                var point = _backlogPoints[channel] ??= PointBuilder.BacklogSeries(_shopId, channelName);
                emit(PointBuilder.Backlog(point, waiting, waiting > 0 ? backlog.Oldest(view) : view.AtMs, view.AtMs));
            }

            EmitResponses(channel, channelName, view, emit);
            EmitBot(channel, channelName, view, emit);
        }
    }

    /// <summary>True when nothing is held and no series is active or has events ahead.</summary>
    public bool IsIdle(long boundaryMs)
    {
        if (ItemCount > 0)
        {
            return false;
        }

        for (var channel = 0; channel < Channels; channel++)
        {
            var activity = _channelActivity[channel];
            if (activity.ActiveAt(boundaryMs, _ttlMs) || activity.HasAhead || !_waiting[channel].IsEmpty || _bot[channel] is not null)
            {
                return false;
            }
        }

        foreach (var series in _responses)
        {
            if (series is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drops conversations with no event for <see cref="EngineOptions.StaleItemAge"/> before <paramref name="boundaryMs"/>.</summary>
    public void EvictStale(long boundaryMs)
    {
        var cutoff = boundaryMs - _staleMs;
        List<Item>? stale = null;
        foreach (var item in Items.Values)
        {
            Fold(item, boundaryMs);
            if (item.Settled.Exists && item.Settled.LastEventMs < cutoff)
            {
                (stale ??= []).Add(item);
            }
        }

        foreach (var item in stale ?? [])
        {
            ChangeAsOf(item, boundaryMs, (ref Conversation c) =>
            {
                if (c.WaitingSinceMs != long.MinValue)
                {
                    Contribute(item, ChatOp.CloseWait(c.Channel, c.WaitingSinceMs, boundaryMs - 1));
                }

                c = default;
            });
        }
    }

    protected override bool Exists(in Conversation state) => state.Exists;

    /// <summary>A late chat event older than the last event applied to its conversation is not applied (it would reopen a wait that was answered).</summary>
    protected override bool DropLate(in Conversation settled, in ChatEvent e) => e.TimestampMs < settled.LastEventMs;

    protected override void Step(Item item, ref Conversation c, in ChatEvent e)
    {
        var ts = e.TimestampMs;
        if (e.Type == EventType.ConversationClosed)
        {
            // A close for a conversation not in state (opened before a restart) touches no
            // backlog series; the bot figures count it under the close event's own channel.
            var closeChannel = c.Exists ? c.Channel : e.Channel;
            Contribute(item, ChatOp.Close(closeChannel, ts, e.ResolvedBy == Sender.Bot));
            if (c.Exists)
            {
                if (c.WaitingSinceMs != long.MinValue)
                {
                    Contribute(item, ChatOp.CloseWait(c.Channel, c.WaitingSinceMs, ts));
                }

                Contribute(item, ChatOp.Touch(c.Channel, ts));
                c = default;
            }

            return;
        }

        if (e.Type == EventType.ConversationTransferred)
        {
            Contribute(item, ChatOp.Transfer(c.Exists ? c.Channel : e.Channel, ts));
        }

        if (!c.Exists)
        {
            c = new Conversation { Exists = true, Channel = e.Channel, WaitingSinceMs = long.MinValue, LastEventMs = long.MinValue };
        }

        c.LastEventMs = Math.Max(c.LastEventMs, ts);
        Contribute(item, ChatOp.Touch(c.Channel, ts));
        if (e.Type != EventType.Message)
        {
            return;
        }

        if (e.Sender == Sender.Customer)
        {
            if (c.WaitingSinceMs == long.MinValue)
            {
                c.WaitingSinceMs = ts;
                Contribute(item, ChatOp.OpenWait(c.Channel, ts));
            }

            return;
        }

        if (c.WaitingSinceMs != long.MinValue)
        {
            var slot = ((int)c.Channel * Slots) + ((c.Responded ? 1 : 0) * 2) + (e.Sender == Sender.Bot ? 1 : 0);
            Contribute(item, ChatOp.Response(slot, ts, ts - c.WaitingSinceMs));
            c.Responded = true;
            Contribute(item, ChatOp.CloseWait(c.Channel, c.WaitingSinceMs, ts));
            c.WaitingSinceMs = long.MinValue;
        }
    }

    protected override void ApplyOp(Item item, in ChatOp op, int sign)
    {
        var channel = op.Channel;
        switch (op.Kind)
        {
            case ChatOpKind.OpenWait when sign > 0:
                _waiting[channel].Open(op.TimeMs, item.Id);
                break;
            case ChatOpKind.OpenWait:
                _waiting[channel].UndoOpen(op.TimeMs, item.Id);
                break;
            case ChatOpKind.CloseWait when sign > 0:
                _waiting[channel].Close(op.StartMs, item.Id, op.TimeMs);
                break;
            case ChatOpKind.CloseWait:
                _waiting[channel].UndoClose(op.StartMs, item.Id, op.TimeMs);
                break;
            case ChatOpKind.Touch:
                Touch(_channelActivity[channel], op.TimeMs, sign);
                break;
            case ChatOpKind.Response:
                _responsesUnread = true;
                var series = _responses[op.Slot] ??= new ResponseSeries(_spec, (long)_options.ReplySla((TextChannel)(op.Slot / Slots)).TotalMilliseconds);
                var combined = _byChannel[op.Slot / Slots] ??= new WindowSamples(_spec);
                if (sign > 0)
                {
                    series.Samples.Add(op.TimeMs, op.ValueMs);
                    combined.Add(op.TimeMs, op.ValueMs);
                }
                else
                {
                    series.Samples.Remove(op.TimeMs, op.ValueMs);
                    combined.Remove(op.TimeMs, op.ValueMs);
                }

                Touch(series.Activity, op.TimeMs, sign);
                break;
            case ChatOpKind.Close:
                var bot = _bot[channel] ??= new BotSeries(_spec);
                bot.Counts.Add(op.TimeMs, 0, sign);
                bot.Counts.Add(op.TimeMs, 1, op.Bot ? sign : 0);
                Touch(bot.Activity, op.TimeMs, sign);
                break;
            case ChatOpKind.Transfer:
                var transfers = _bot[channel] ??= new BotSeries(_spec);
                transfers.Counts.Add(op.TimeMs, 2, sign);
                Touch(transfers.Activity, op.TimeMs, sign);
                break;
        }
    }

    private static void Touch(Activity activity, long timestampMs, int sign)
    {
        if (sign > 0)
        {
            activity.Touch(timestampMs);
        }
        else
        {
            activity.Untouch(timestampMs);
        }
    }

    private void EmitResponses(int channel, string channelName, in View view, Action<MetricPoint> emit)
    {
        if (!view.Wants(MetricSchemas.ResponseTime))
        {
            return;
        }

        // Early, the response series of every channel are read together after a response (or its
        // retraction): a rule may group them. Other chat events leave their values as they were.
        if (!view.Final)
        {
            if (view.ChangedOnly && !_responsesUnread)
            {
                return;
            }

            if (channel == Channels - 1)
            {
                _responsesUnread = false;
            }
        }

        var anyActive = false;
        for (var slot = 0; slot < Slots; slot++)
        {
            var index = (channel * Slots) + slot;
            if (_responses[index] is not { } series)
            {
                continue;
            }

            var point = series.Point ??= MetricSchemas.Series(
                MetricSchemas.ResponseTime,
                new("channel", channelName),
                new("kind", slot < 2 ? "first" : "reply"),
                new("responder", slot % 2 == 0 ? "agent" : "bot"),
                new("shop", _shopId));
            if (!view.Wants(point))
            {
                // Early, and no rule reads this series: its window is not read at all.
                continue;
            }

            var active = series.Activity.Active(view, _ttlMs);
            var samples = series.Samples.Read(view, _scratch ??= new SampleView());
            if (!active && samples.Count == 0)
            {
                if (view.Final && series.Samples.IsEmpty && !series.Activity.HasAhead)
                {
                    _responses[index] = null;
                }

                continue;
            }

            anyActive = true;
            point.Begin(view.AtMs);
            PointBuilder.Distribution(point, samples, view);
            if (samples.Count > 0)
            {
                point.Set(6, (double)samples.Within / samples.Count);
            }

            emit(point);
        }

        // The by-channel figure feeds a Prometheus gauge only: no rule reads it early.
        if (!view.Final || _byChannel[channel] is not { } combined)
        {
            return;
        }

        if (anyActive)
        {
            combined.Prepare(view.AtMs);
            var point = _byChannelPoints[channel] ??= MetricSchemas.Series(MetricSchemas.ResponseTimeByChannel, new("channel", channelName), new("shop", _shopId));
            point.Begin(view.AtMs).Set(0, combined.Count);
            if (combined.Count > 0)
            {
                point.Set(1, combined.Percentile(90) / 1000.0);
            }

            emit(point);
        }
        else if (!HasResponseSeries(channel))
        {
            _byChannel[channel] = null;
        }
    }

    private bool HasResponseSeries(int channel)
    {
        for (var slot = 0; slot < Slots; slot++)
        {
            if (_responses[(channel * Slots) + slot] is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// bot{shop, channel}: closed, bot_resolved, transferred in [b − W, b); bot_resolved_ratio =
    /// bot_resolved / closed (absent when nothing closed). Emitted while a close or transfer of
    /// the channel happened within the TTL or the window still holds one.
    /// </summary>
    private void EmitBot(int channel, string channelName, in View view, Action<MetricPoint> emit)
    {
        if (_bot[channel] is not { } series || !view.Wants(MetricSchemas.Bot))
        {
            return;
        }

        var active = series.Activity.Active(view, _ttlMs);
        var closed = series.Counts.Read(view, 0);
        var botResolved = series.Counts.Read(view, 1);
        var transferred = series.Counts.Read(view, 2);
        if (!active && closed == 0 && transferred == 0)
        {
            if (view.Final && series.Counts.IsEmpty && !series.Activity.HasAhead)
            {
                _bot[channel] = null;
            }

            return;
        }

        var point = series.Point ??= MetricSchemas.Series(MetricSchemas.Bot, new("channel", channelName), new("shop", _shopId));
        point.Begin(view.AtMs).Set(0, closed).Set(1, botResolved).Set(2, transferred);
        if (closed > 0)
        {
            point.Set(3, (double)botResolved / closed);
        }

        emit(point);
    }

    /// <summary>A conversation's state: about 24 bytes, twice (settled and current).</summary>
    internal struct Conversation
    {
        public bool Exists;
        public TextChannel Channel;
        public bool Responded;
        public long WaitingSinceMs;
        public long LastEventMs;
    }

    internal readonly struct ChatEvent(MonitorEvent e) : ILoggedEvent
    {
        public long TimestampMs { get; } = e.TimestampMs;

        public string EventId { get; } = e.EventId;

        public EventType Type { get; } = e.Type;

        public Sender Sender { get; } = e.Sender;

        public TextChannel Channel { get; } = e.Channel;

        public Sender ResolvedBy { get; } = e.ResolvedBy;

        public int Rank => EventRank.Of(Type, Sender);
    }

    internal enum ChatOpKind : byte
    {
        OpenWait,
        CloseWait,
        Touch,
        Response,
        Close,
        Transfer,
    }

    internal readonly record struct ChatOp(ChatOpKind Kind, int Channel, int Slot, long TimeMs, long StartMs, long ValueMs, bool Bot)
    {
        public static ChatOp OpenWait(TextChannel channel, long startMs) => new(ChatOpKind.OpenWait, (int)channel, 0, startMs, startMs, 0, false);

        public static ChatOp CloseWait(TextChannel channel, long startMs, long endMs) => new(ChatOpKind.CloseWait, (int)channel, 0, endMs, startMs, 0, false);

        public static ChatOp Touch(TextChannel channel, long timeMs) => new(ChatOpKind.Touch, (int)channel, 0, timeMs, 0, 0, false);

        public static ChatOp Response(int slot, long timeMs, long valueMs) => new(ChatOpKind.Response, slot / Slots, slot, timeMs, 0, valueMs, false);

        public static ChatOp Close(TextChannel channel, long timeMs, bool bot) => new(ChatOpKind.Close, (int)channel, 0, timeMs, 0, 0, bot);

        public static ChatOp Transfer(TextChannel channel, long timeMs) => new(ChatOpKind.Transfer, (int)channel, 0, timeMs, 0, 0, false);
    }

    private sealed class ResponseSeries(WindowSpec spec, long slaMs)
    {
        public WindowSamples Samples { get; } = new(spec, slaMs);

        public Activity Activity { get; } = new();

        public MetricPoint? Point { get; set; }
    }

    /// <summary>Lanes: 0 closed, 1 closed by the bot, 2 transferred.</summary>
    private sealed class BotSeries(WindowSpec spec)
    {
        public WindowCounter Counts { get; } = new(spec);

        public Activity Activity { get; } = new();

        public MetricPoint? Point { get; set; }
    }
}
