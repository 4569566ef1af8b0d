using System.Text;
using System.Text.Json;
using Monitor.Simulation;

namespace Monitor.Tests.Simulation;

public sealed class JsonlEventFileTests
{
    [Fact]
    public void Write_PutsOneEventPerLine_WithTopicAsFirstField()
    {
        var events = new Double11Scenario().Generate(new SimulationOptions { EventsPerSecond = 20 }).Skip(3_000).Take(500).ToList();
        using var output = new MemoryStream();

        var written = JsonlEventFile.Write(output, events);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal(500, written);
        Assert.Equal(501, lines.Length);
        Assert.Equal(string.Empty, lines[^1]);
        for (var i = 0; i < events.Count; i++)
        {
            var line = JsonDocument.Parse(lines[i]).RootElement;
            var original = JsonDocument.Parse(events[i].Json).RootElement;
            var properties = line.EnumerateObject().ToList();
            Assert.Equal("topic", properties[0].Name);
            Assert.Equal(events[i].Topic, properties[0].Value.GetString());
            Assert.Equal(
                original.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetRawText()),
                properties.Skip(1).Select(p => p.Name + "=" + p.Value.GetRawText()));
        }
    }

    [Fact]
    public void Write_ToPath_CreatesTheFileAndCountsLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}.jsonl");
        try
        {
            var events = new Double11Scenario().Generate(new SimulationOptions { Duration = TimeSpan.FromMinutes(2), EventsPerSecond = 20 });
            var written = JsonlEventFile.Write(path, events);

            Assert.True(written > 1_000);
            Assert.Equal(written, File.ReadLines(path).LongCount());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Write_StopsAfterAWholeLine_WhenCancelled()
    {
        using var cancel = new CancellationTokenSource();
        using var output = new MemoryStream();

        var written = JsonlEventFile.Write(output, Endless().Select((e, i) =>
        {
            if (i == 99)
            {
                cancel.Cancel();
            }

            return e;
        }), cancel.Token);

        Assert.Equal(99, written);
        Assert.Equal(99, Encoding.UTF8.GetString(output.ToArray()).Count(c => c == '\n'));
    }

    [Fact]
    public void ToLine_HandlesAnEmptyObject()
    {
        var line = JsonlEventFile.ToLine(new SimulatedEvent("chats", "shop-001", 0, "{}"u8.ToArray()));
        Assert.Equal("{\"topic\":\"chats\"}\n", Encoding.UTF8.GetString(line));
    }

    private static IEnumerable<SimulatedEvent> Endless() => new Double11Scenario().Generate(new SimulationOptions());
}
