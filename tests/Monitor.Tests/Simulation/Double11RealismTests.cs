using System.Text.Json;
using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

public sealed class Double11RealismTests
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    [Fact]
    public void SurgeHour_HasClearlyHigherEventRateThanMorningHour()
    {
        var morning = Hour(new DateTimeOffset(2025, 11, 10, 10, 0, 0, China));
        var surge = Hour(new DateTimeOffset(2025, 11, 10, 23, 0, 0, China));

        var ratio = surge.Count / (double)morning.Count;
        Assert.InRange(ratio, 2.5, 4.5);
    }

    [Fact]
    public void AgentReplies_SlowFromSecondsToMinutesUnderTheSurge_AndCallersHangUp()
    {
        var morning = Hour(new DateTimeOffset(2025, 11, 10, 10, 0, 0, China));
        var surge = Hour(new DateTimeOffset(2025, 11, 10, 23, 30, 0, China));

        var morningReply = MedianChatFirstResponseSeconds(morning);
        var surgeReply = MedianChatFirstResponseSeconds(surge);
        Assert.InRange(morningReply, 5, 40);
        Assert.InRange(surgeReply, 60, 900);
        Assert.True(AbandonRatio(surge) > 2 * AbandonRatio(morning), $"abandon {AbandonRatio(surge):P0} vs {AbandonRatio(morning):P0}");
    }

    [Fact]
    public void ShopSizes_FollowZipf_LargestShopFarAboveTheMedian()
    {
        var counts = Hour(new DateTimeOffset(2025, 11, 10, 10, 0, 0, China))
            .GroupBy(e => e.Key)
            .Select(g => (Shop: g.Key, Count: g.Count()))
            .OrderByDescending(s => s.Count)
            .ToList();

        Assert.Equal(50, counts.Count);
        Assert.Equal("shop-001", counts[0].Shop);
        Assert.True(counts[0].Count > 10 * counts[counts.Count / 2].Count, $"largest {counts[0].Count}, median {counts[counts.Count / 2].Count}");
    }

    /// <summary>The events of one hour, after half an hour of run-in.</summary>
    private static List<SimulatedEvent> Hour(DateTimeOffset from)
    {
        var options = new SimulationOptions { Start = from.AddMinutes(-30), Duration = TimeSpan.FromMinutes(90), EventsPerSecond = 30 };
        var fromMs = from.ToUnixTimeMilliseconds();
        return new Double11Scenario().Generate(options).Where(e => e.TimestampMs >= fromMs).ToList();
    }

    private static double MedianChatFirstResponseSeconds(List<SimulatedEvent> events)
    {
        var started = new Dictionary<string, long>();
        var responses = new List<long>();
        foreach (var e in events.Where(e => e.Topic == Double11Scenario.ChatsTopic))
        {
            var root = JsonDocument.Parse(e.Json).RootElement;
            var conversation = root.GetProperty("conversationId").GetString()!;
            if (root.GetProperty("type").GetString() != "message")
            {
                continue;
            }

            var sender = root.GetProperty("sender").GetString();
            if (sender == "customer")
            {
                started.TryAdd(conversation, e.TimestampMs);
            }
            else if (started.Remove(conversation, out var since) && sender == "agent" && root.GetProperty("channel").GetString() == "chat")
            {
                responses.Add(e.TimestampMs - since);
            }
        }

        responses.Sort();
        Assert.True(responses.Count > 100, $"{responses.Count} responses");
        return responses[responses.Count / 2] / 1000.0;
    }

    private static double AbandonRatio(List<SimulatedEvent> events)
    {
        var types = events.Where(e => e.Topic == Double11Scenario.CallsTopic)
            .Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("type").GetString())
            .ToList();
        var abandoned = types.Count(t => t == "call_abandoned");
        return abandoned / (double)(abandoned + types.Count(t => t == "call_answered"));
    }
}
