using Monitor.Simulation;
using System.Text.Json;

namespace Monitor.Tests.Simulation;

public sealed class Double11ScenarioTests
{
    private static readonly Double11Scenario Scenario = new();

    [Fact]
    public void Generate_SameSeed_GivesIdenticalBytesForTheFirst20000Events()
    {
        var options = new SimulationOptions { Seed = 7 };
        var first = Scenario.Generate(options).Take(20_000).ToList();
        var second = Scenario.Generate(options).Take(20_000).ToList();

        Assert.Equal(20_000, first.Count);
        Assert.Equal(first.Count, second.Count);
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Topic, second[i].Topic);
            Assert.Equal(first[i].Key, second[i].Key);
            Assert.Equal(first[i].TimestampMs, second[i].TimestampMs);
            Assert.True(first[i].Json.AsSpan().SequenceEqual(second[i].Json), $"event {i} differs");
        }
    }

    [Fact]
    public void Generate_DifferentSeed_GivesDifferentEvents()
    {
        var a = Scenario.Generate(new SimulationOptions { Seed = 1 }).Skip(5_000).Take(2_000).ToList();
        var b = Scenario.Generate(new SimulationOptions { Seed = 2 }).Skip(5_000).Take(2_000).ToList();

        var same = a.Zip(b).Count(p => p.First.TimestampMs == p.Second.TimestampMs && p.First.Key == p.Second.Key);
        Assert.True(same < 200, $"{same} of 2000 events coincide");
    }

    [Fact]
    public void Generate_TimestampsNeverDecrease()
    {
        var previous = long.MinValue;
        foreach (var e in Scenario.Generate(new SimulationOptions { EventsPerSecond = 100 }).Take(100_000))
        {
            Assert.True(e.TimestampMs >= previous, $"{e.TimestampMs} after {previous}");
            previous = e.TimestampMs;
        }
    }

    [Fact]
    public void Generate_StaysWithinStartAndDuration()
    {
        var options = new SimulationOptions { Duration = TimeSpan.FromMinutes(10), EventsPerSecond = 50 };
        var events = Scenario.Generate(options).ToList();
        var start = options.Start.ToUnixTimeMilliseconds();

        Assert.NotEmpty(events);
        Assert.Equal(start, events[0].TimestampMs);
        Assert.All(events, e => Assert.InRange(e.TimestampMs, start, start + (10 * 60_000) - 1));
    }

    [Fact]
    public void Generate_WithoutDuration_GoesOnPastHoursOfEventTime()
    {
        var options = new SimulationOptions { EventsPerSecond = 2, Shops = 5 };
        var last = Scenario.Generate(options).Take(60_000).Last();

        Assert.True(last.Timestamp - options.Start > TimeSpan.FromHours(2), $"stopped at {last.Timestamp}");
    }

    [Fact]
    public void Generate_IsLazy_AndValidatesOptionsAtOnce()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Scenario.Generate(new SimulationOptions { Shops = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scenario.Generate(new SimulationOptions { EventsPerSecond = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scenario.Generate(new SimulationOptions { EventsPerSecond = 1_000_000 }));

        // Endless, yet the first events come at once.
        Assert.Single(Scenario.Generate(new SimulationOptions { EventsPerSecond = 1_000 }).Take(1));
    }

    [Fact]
    public void Generate_ColdStart_BeginsWithEveryAgentOnlineAtStart()
    {
        var options = new SimulationOptions { WarmStart = false, Start = new DateTimeOffset(2025, 11, 10, 10, 0, 0, TimeSpan.FromHours(8)) };
        var events = Scenario.Generate(options).Take(5_000).ToList();
        var snapshot = events.TakeWhile(e => e.Topic == Double11Scenario.AgentsTopic).ToList();

        Assert.True(snapshot.Count > 50, $"{snapshot.Count} agents");
        Assert.All(snapshot, e => Assert.Equal(options.Start.ToUnixTimeMilliseconds(), e.TimestampMs));
        var statuses = snapshot.Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("status").GetString()).ToList();

        // Regular agents are online; the surge reserve waits, logged off, for the evening.
        Assert.True(statuses.Count(s => s == "online") > statuses.Count / 2);
        Assert.All(statuses, s => Assert.Contains(s, new[] { "online", "offline" }));
    }
}
