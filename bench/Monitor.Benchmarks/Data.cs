using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Keywords;
using Monitor.Simulation;

namespace Monitor.Benchmarks;

/// <summary>The simulated Double-11 stream the benchmarks share, and the engine settings they run with.</summary>
internal static class Data
{
    public const int Shops = 200;

    /// <summary>The first <paramref name="count"/> simulated events as the wire carries them.</summary>
    public static (Topic Topic, byte[] Json)[] Wire(int count, int shops = Shops) =>
        new Double11Scenario()
            .Generate(new SimulationOptions { Shops = shops, EventsPerSecond = 500 })
            .Take(count)
            .Select(e => (Enum.Parse<Topic>(e.Topic, ignoreCase: true), e.Json))
            .ToArray();

    /// <summary>The same events decoded, one object each (what an engine is fed).</summary>
    public static MonitorEvent[] Decoded(int count, int shops = Shops)
    {
        var decoder = new EventDecoder();
        return Wire(count, shops).Select(e => decoder.Decode(e.Json, e.Topic).Event).OfType<MonitorEvent>().ToArray();
    }

    /// <summary>
    /// The shipped engine settings with the shipped keyword dictionary. <paramref name="lateness"/>
    /// long enough keeps the watermark behind every boundary, so only events are applied.
    /// </summary>
    public static EngineOptions Engine(TimeSpan? lateness = null) => new()
    {
        Keywords = KeywordSetup.Load(KeywordsFile()).Holder,
        AllowedLateness = lateness ?? TimeSpan.FromSeconds(30),
    };

    /// <summary>Points of a replay of the stream, kept (cloned), for the formatter.</summary>
    public static List<MetricPoint> Points(int count)
    {
        var points = new List<MetricPoint>(count);
        var engine = new MetricEngine(Engine(), point =>
        {
            if (points.Count < count)
            {
                points.Add(point.Clone());
            }
        });
        foreach (var e in Decoded(200_000))
        {
            engine.Accept(e);
            if (points.Count >= count)
            {
                break;
            }
        }

        return points.Count == count ? points : throw new InvalidOperationException($"the stream gave {points.Count} points, not {count}");
    }

    /// <summary>config/keywords.yaml of the repository the benchmarks run from.</summary>
    private static string KeywordsFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "config", "keywords.yaml");
            if (File.Exists(file))
            {
                return file;
            }
        }

        return KeywordSetup.DefaultFile;
    }
}
