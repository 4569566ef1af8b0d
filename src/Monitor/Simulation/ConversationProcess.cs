using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>
/// One chat, social or email conversation: the customer writes, a bot or an agent answers, one to
/// four exchanges, then it is closed. Bot conversations are resolved by the bot or transferred to a
/// human. Agent replies slow down with the shop's load; a few conversations are never answered.
/// </summary>
internal sealed class ConversationProcess : SimProcess
{
    private static readonly JsonEncodedText StartedType = JsonEncodedText.Encode("conversation_started");
    private static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText TransferredType = JsonEncodedText.Encode("conversation_transferred");
    private static readonly JsonEncodedText ClosedType = JsonEncodedText.Encode("conversation_closed");
    private static readonly JsonEncodedText Chat = JsonEncodedText.Encode("chat");
    private static readonly JsonEncodedText Email = JsonEncodedText.Encode("email");
    private static readonly JsonEncodedText Social = JsonEncodedText.Encode("social");
    private static readonly JsonEncodedText Customer = JsonEncodedText.Encode("customer");
    private static readonly JsonEncodedText Agent = JsonEncodedText.Encode("agent");
    private static readonly JsonEncodedText Bot = JsonEncodedText.Encode("bot");

    private readonly ShopState _shop;
    private readonly long _number;
    private readonly AgentChannel _channel;
    private readonly bool _complaining;
    private Stage _stage;
    private Stage _pendingAfterFollowUp;
    private bool _withBot;
    private bool _botResolves;
    private bool _answered;
    private bool _unanswered;
    private bool _askForHuman;
    private int _botTurns;
    private int _exchanges;
    private long _waitStart = -1;
    private long _maxWaitMs;
    private long _nextMs;
    private AgentProcess? _agent;

    public ConversationProcess(Double11Simulation sim, ShopState shop)
    {
        _shop = shop;
        _number = ++sim.NextConversationNumber;
        var channel = sim.Random.NextDouble();
        _channel = channel < 0.7 ? AgentChannel.Chat : channel < 0.9 ? AgentChannel.Social : AgentChannel.Email;
        _complaining = sim.Chance(0.12);
        _withBot = sim.Chance(_channel switch
        {
            AgentChannel.Chat => 0.55,
            AgentChannel.Email => 0.75,
            _ => 0.4,
        });
        if (_withBot)
        {
            _botTurns = sim.Chance(0.35) ? 2 : 1;
            _botResolves = sim.Chance(0.5);
        }
        else
        {
            _exchanges = 1 + sim.Random.Next(4);
            _unanswered = sim.Chance(0.015);
        }
    }

    private enum Stage : byte
    {
        Start,
        CustomerMessage,
        FollowUp,
        BotReply,
        Transfer,
        AgentReply,
        Close,
    }

    private bool IsEmail => _channel == AgentChannel.Email;

    public override void Step(Double11Simulation sim)
    {
        switch (_stage)
        {
            case Stage.Start:
                Started(sim);
                break;
            case Stage.CustomerMessage:
                CustomerMessage(sim);
                break;
            case Stage.FollowUp:
                FollowUp(sim);
                break;
            case Stage.BotReply:
                BotReply(sim);
                break;
            case Stage.Transfer:
                Transfer(sim);
                break;
            case Stage.AgentReply:
                AgentReply(sim);
                break;
            default:
                Close(sim);
                break;
        }
    }

    private void Started(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            Begin(sim, StartedType);
            sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
            WriteChannel(sim);
            sim.End(Double11Scenario.ChatsTopic, _shop);
        }

        Next(sim, Stage.CustomerMessage, sim.UniformMs(0, IsEmail ? 1_000 : 4_000));
    }

    private void CustomerMessage(Double11Simulation sim)
    {
        if (_waitStart < 0)
        {
            _waitStart = sim.Now;
        }

        if (sim.Emitting)
        {
            var complaint = _complaining ? 0.6 : 0.04;
            if (_maxWaitMs > (IsEmail ? 12 * 3_600_000 : 5 * 60_000))
            {
                complaint += 0.25;
            }

            var pool = _askForHuman ? TextCatalog.AskForHuman : sim.Chance(complaint) ? TextCatalog.CustomerComplaint : TextCatalog.CustomerNeutral;
            WriteCustomer(sim, pool, sim.Chance(0.97));
        }

        _askForHuman = false;
        if (_withBot)
        {
            Next(sim, Stage.BotReply, sim.UniformMs(1_000, 4_000));
        }
        else if (_unanswered)
        {
            var closeAfter = IsEmail ? sim.UniformMs(24 * 3_600_000L, 48 * 3_600_000L) : sim.LogNormalMs(8 * 60_000, 0.5, 2 * 60_000, 30 * 60_000);
            ScheduleReplyOrFollowUp(sim, closeAfter, Stage.Close);
        }
        else
        {
            ScheduleAgentReply(sim);
        }
    }

    private void ScheduleReplyOrFollowUp(Double11Simulation sim, long delayMs, Stage then)
    {
        _nextMs = sim.Now + delayMs;
        if (!IsEmail && delayMs > 45_000 && sim.Chance(0.35))
        {
            // The customer nudges while waiting; the reply still comes when it would have.
            _stage = Stage.FollowUp;
            _pendingAfterFollowUp = then;
            sim.Schedule(this, sim.Now + sim.UniformMs(20_000, delayMs * 4 / 5));
        }
        else
        {
            _stage = then;
            sim.Schedule(this, _nextMs);
        }
    }

    private void FollowUp(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            var angry = (sim.Now - _waitStart > 3 * 60_000 || _complaining) && sim.Chance(0.4);
            WriteCustomer(sim, angry ? TextCatalog.FollowUpAngry : TextCatalog.FollowUp, withText: true);
        }

        _stage = _pendingAfterFollowUp;
        sim.Schedule(this, _nextMs);
    }

    private void BotReply(Double11Simulation sim)
    {
        EndWait(sim);
        if (sim.Emitting)
        {
            Begin(sim, MessageType);
            sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
            WriteChannel(sim);
            sim.Json.Writer.WriteString(EventJsonWriter.Sender, Bot);
            sim.Json.WriteText(TextCatalog.Bot.Pick(sim.Random, 0), default);
            sim.End(Double11Scenario.ChatsTopic, _shop);
        }

        if (--_botTurns > 0)
        {
            Next(sim, Stage.CustomerMessage, sim.UniformMs(5_000, 40_000));
        }
        else if (_botResolves)
        {
            Next(sim, Stage.Close, sim.UniformMs(15_000, 120_000));
        }
        else
        {
            Next(sim, Stage.Transfer, sim.UniformMs(1_000, 4_000));
        }
    }

    private void Transfer(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            Begin(sim, TransferredType);
            sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
            sim.End(Double11Scenario.ChatsTopic, _shop);
        }

        _withBot = false;
        _exchanges = 1 + sim.Random.Next(3);
        _unanswered = sim.Chance(0.015);
        _askForHuman = true;
        Next(sim, Stage.CustomerMessage, sim.UniformMs(2_000, 15_000));
    }

    private void AgentReply(Double11Simulation sim)
    {
        EndWait(sim);
        _answered = true;
        _agent ??= sim.PickAgent(IsEmail ? _shop.EmailAgents : _shop.LiveAgents);
        if (sim.Emitting)
        {
            Begin(sim, MessageType);
            sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
            WriteChannel(sim);
            var w = sim.Json.Writer;
            w.WriteString(EventJsonWriter.Sender, Agent);
            w.WriteString(EventJsonWriter.AgentId, _agent.Id);
            if (sim.Chance(0.92))
            {
                sim.Json.WriteText(TextCatalog.Agent.Pick(sim.Random, 0), default);
            }

            sim.End(Double11Scenario.ChatsTopic, _shop);
        }

        if (--_exchanges > 0)
        {
            var think = IsEmail ? sim.LogNormalMs(3 * 3_600_000, 0.6, 20 * 60_000, 24 * 3_600_000L) : sim.UniformMs(10_000, 90_000);
            Next(sim, Stage.CustomerMessage, think);
        }
        else
        {
            var close = IsEmail ? sim.LogNormalMs(2 * 3_600_000, 0.7, 10 * 60_000, 24 * 3_600_000L) : sim.UniformMs(30_000, 240_000);
            Next(sim, Stage.Close, close);
        }
    }

    private void Close(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            Begin(sim, ClosedType);
            sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
            var w = sim.Json.Writer;
            w.WriteString(EventJsonWriter.ResolvedBy, _withBot ? Bot : Agent);
            if (_unanswered ? sim.Chance(0.1) : sim.Chance(0.35))
            {
                w.WriteNumber(EventJsonWriter.Satisfaction, Satisfaction(sim));
            }

            sim.End(Double11Scenario.ChatsTopic, _shop);
        }

    }

    private int Satisfaction(Double11Simulation sim)
    {
        if (_unanswered)
        {
            return 1;
        }

        var score = _withBot ? 4 : 5;
        var (slow, verySlow) = IsEmail ? (4 * 3_600_000L, 12 * 3_600_000L) : (60_000L, 300_000L);
        score -= _maxWaitMs > verySlow ? 2 : _maxWaitMs > slow ? 1 : 0;
        score -= _complaining ? 1 : 0;
        var noise = sim.Random.NextDouble();
        score += noise < 0.15 ? -1 : noise > 0.85 ? 1 : 0;
        return Math.Clamp(score, 1, 5);
    }

    /// <summary>
    /// Typing time plus the shop's backlog: the first response waits for all of it, later ones less
    /// (the agent is already on the conversation). A live customer gives up when the wait would
    /// outlast their patience; email customers wait.
    /// </summary>
    private void ScheduleAgentReply(Double11Simulation sim)
    {
        var work = IsEmail ? _shop.EmailWork : _shop.LiveWork;
        var backlog = work.BacklogMs(sim.Now);
        if (_answered)
        {
            backlog = backlog * 3 / 10;
        }

        var delay = backlog + _channel switch
        {
            AgentChannel.Email => sim.LogNormalMs(2 * 3_600_000, 0.6, 10 * 60_000, 36 * 3_600_000L),
            AgentChannel.Social => sim.LogNormalMs(35_000, 0.6, 3_000, 10 * 60_000),
            _ => sim.LogNormalMs(15_000, 0.5, 3_000, 5 * 60_000),
        };

        if (!IsEmail)
        {
            var patience = sim.LogNormalMs(10 * 60_000, 0.5, 2 * 60_000, 45 * 60_000);
            if (delay > patience)
            {
                _unanswered = true;
                ScheduleReplyOrFollowUp(sim, patience, Stage.Close);
                return;
            }
        }

        if (IsEmail)
        {
            work.Add(sim.Now, Double11Simulation.EmailReplyWorkMs, _shop.AvailableEmail);
        }
        else
        {
            work.Add(sim.Now, Double11Simulation.LiveReplyWorkMs, _shop.AvailableLive * sim.Options.AgentConcurrency);
        }

        ScheduleReplyOrFollowUp(sim, delay, Stage.AgentReply);
    }

    private void EndWait(Double11Simulation sim)
    {
        if (_waitStart >= 0)
        {
            _maxWaitMs = Math.Max(_maxWaitMs, sim.Now - _waitStart);
            _waitStart = -1;
        }
    }

    private void Next(Double11Simulation sim, Stage stage, long delayMs)
    {
        _stage = stage;
        sim.Schedule(this, sim.Now + delayMs);
    }

    private void Begin(Double11Simulation sim, JsonEncodedText type) => sim.Begin(type, _shop, TimestampStyle.ChinaTime);

    private void WriteChannel(Double11Simulation sim) =>
        sim.Json.Writer.WriteString(EventJsonWriter.Channel, _channel switch
        {
            AgentChannel.Email => Email,
            AgentChannel.Social => Social,
            _ => Chat,
        });

    private void WriteCustomer(Double11Simulation sim, TextPool pool, bool withText)
    {
        Begin(sim, MessageType);
        sim.Json.WriteId(EventJsonWriter.ConversationId, sim.ConversationIdPrefix, _number);
        WriteChannel(sim);
        sim.Json.Writer.WriteString(EventJsonWriter.Sender, Customer);
        if (withText)
        {
            var phrase = pool.Pick(sim.Random, 0.15);
            var emoji = sim.Chance(0.12) ? TextCatalog.Emoji[sim.Random.Next(TextCatalog.Emoji.Length)] : [];
            sim.Json.WriteText(phrase, emoji);
        }

        sim.End(Double11Scenario.ChatsTopic, _shop);
    }
}
