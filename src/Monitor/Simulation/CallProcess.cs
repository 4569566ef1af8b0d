using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>
/// One phone call: queued, then answered after a wait that grows with the shop's load or abandoned
/// when the caller's patience runs out first; sometimes transcribed; ended after minutes of talk.
/// </summary>
internal sealed class CallProcess(Double11Simulation simulation, ShopState shop) : SimProcess
{
    private static readonly JsonEncodedText QueuedType = JsonEncodedText.Encode("call_queued");
    private static readonly JsonEncodedText AnsweredType = JsonEncodedText.Encode("call_answered");
    private static readonly JsonEncodedText AbandonedType = JsonEncodedText.Encode("call_abandoned");
    private static readonly JsonEncodedText EndedType = JsonEncodedText.Encode("call_ended");
    private static readonly JsonEncodedText TranscriptType = JsonEncodedText.Encode("call_transcript");
    private static readonly JsonEncodedText Presales = JsonEncodedText.Encode("presales");
    private static readonly JsonEncodedText Aftersales = JsonEncodedText.Encode("aftersales");
    private static readonly JsonEncodedText Customer = JsonEncodedText.Encode("customer");
    private static readonly JsonEncodedText Agent = JsonEncodedText.Encode("agent");

    /// <summary>Talk time: median 3.5 minutes, mean about 4.</summary>
    public const double HandleMedianMs = 210_000;
    public const double HandleSigma = 0.5;

    private readonly long _number = ++simulation.NextCallNumber;
    private readonly bool _complaining = simulation.Chance(0.2);
    private Stage _stage;
    private long _endMs;
    private long _handleMs;
    private AgentProcess? _agent;

    private enum Stage : byte
    {
        Queued,
        Abandoned,
        Answered,
        CustomerTranscript,
        AgentTranscript,
        Ended,
    }

    public override void Step(Double11Simulation sim)
    {
        switch (_stage)
        {
            case Stage.Queued:
                Queued(sim);
                break;
            case Stage.Abandoned:
                Emit(sim, AbandonedType);
                break;
            case Stage.Answered:
                Answered(sim);
                break;
            case Stage.CustomerTranscript:
                Transcript(sim, Customer, sim.Chance(_complaining ? 0.7 : 0.1) ? TextCatalog.CallCustomerComplaint : TextCatalog.CallCustomer);
                if (sim.Chance(0.35))
                {
                    Next(sim, Stage.AgentTranscript, sim.UniformMs(5_000, Math.Max(6_000, (_endMs - sim.Now) / 2)));
                }
                else
                {
                    Next(sim, Stage.Ended, _endMs - sim.Now);
                }

                break;
            case Stage.AgentTranscript:
                Transcript(sim, Agent, TextCatalog.CallAgent);
                Next(sim, Stage.Ended, _endMs - sim.Now);
                break;
            default:
                Emit(sim, EndedType);
                break;
        }
    }

    private void Queued(Double11Simulation sim)
    {
        if (sim.Emitting)
        {
            Begin(sim, QueuedType);
            if (sim.Chance(0.95))
            {
                sim.Json.Writer.WriteString(EventJsonWriter.Queue, sim.Chance(0.4) ? Presales : Aftersales);
            }

            sim.End(Double11Scenario.CallsTopic, shop);
        }

        // Ringing and menu time, then whatever the agents still have to get through.
        _handleMs = sim.LogNormalMs(HandleMedianMs, HandleSigma, 40_000, 40 * 60_000);
        var wait = sim.LogNormalMs(8_000, 0.6, 2_000, 60_000) + shop.CallWork.BacklogMs(sim.Now);
        var patience = sim.LogNormalMs(120_000, 0.6, 10_000, 30 * 60_000);
        if (wait > patience)
        {
            Next(sim, Stage.Abandoned, patience);
        }
        else
        {
            shop.CallWork.Add(sim.Now, _handleMs, shop.AvailableCall);
            Next(sim, Stage.Answered, wait);
        }
    }

    private void Answered(Double11Simulation sim)
    {
        _agent = sim.PickAgent(shop.CallAgents);
        if (sim.Emitting)
        {
            Begin(sim, AnsweredType);
            if (sim.Chance(0.95))
            {
                sim.Json.Writer.WriteString(EventJsonWriter.AgentId, _agent.Id);
            }

            sim.End(Double11Scenario.CallsTopic, shop);
        }

        var handle = _handleMs;
        _endMs = sim.Now + handle;
        if (sim.Chance(0.6))
        {
            Next(sim, Stage.CustomerTranscript, sim.UniformMs(3_000, handle * 2 / 5));
        }
        else if (sim.Chance(0.2))
        {
            Next(sim, Stage.AgentTranscript, sim.UniformMs(3_000, handle / 2));
        }
        else
        {
            Next(sim, Stage.Ended, handle);
        }
    }

    private void Transcript(Double11Simulation sim, JsonEncodedText speaker, TextPool pool)
    {
        if (!sim.Emitting)
        {
            return;
        }

        Begin(sim, TranscriptType);
        sim.Json.Writer.WriteString(EventJsonWriter.Speaker, speaker);
        sim.Json.WriteText(pool.Pick(sim.Random, 0.1), default);
        sim.End(Double11Scenario.CallsTopic, shop);
    }

    private void Emit(Double11Simulation sim, JsonEncodedText type)
    {
        if (sim.Emitting)
        {
            Begin(sim, type);
            sim.End(Double11Scenario.CallsTopic, shop);
        }
    }

    /// <summary>Telephony systems send epoch milliseconds.</summary>
    private void Begin(Double11Simulation sim, JsonEncodedText type)
    {
        sim.Begin(type, shop, TimestampStyle.EpochMilliseconds);
        sim.Json.WriteId(EventJsonWriter.CallId, sim.CallIdPrefix, _number);
    }

    private void Next(Double11Simulation sim, Stage stage, long delayMs)
    {
        _stage = stage;
        sim.Schedule(this, sim.Now + delayMs);
    }
}
