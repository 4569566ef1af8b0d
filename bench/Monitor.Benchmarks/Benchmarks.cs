using System.Text;
using BenchmarkDotNet.Attributes;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Points;
using Monitor.Influx;

namespace Monitor.Benchmarks;

/// <summary>Decoding one message into the refilled event (the live and replay hot path). Per event.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int Events = 20_000;
    private readonly EventDecoder _decoder = new();
    private (Topic Topic, byte[] Json)[] _wire = [];

    [GlobalSetup]
    public void Setup() => _wire = Data.Wire(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public int Decode()
    {
        var valid = 0;
        foreach (var (topic, json) in _wire)
        {
            if (_decoder.DecodeShared(json, topic).IsValid)
            {
                valid++;
            }
        }

        return valid;
    }
}

/// <summary>
/// Event-id deduplication at the default capacity (one million ids, tables far larger than the
/// caches): ids never seen before, the common case, against tables already half full. Per id.
/// </summary>
[MemoryDiagnoser]
public class DedupBenchmarks
{
    private const int Ids = 100_000;
    private string[] _ids = [];
    private int _round;
    private EventIdDeduplicator _dedup = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dedup = new EventIdDeduplicator();
        for (var i = 0; i < 750_000; i++)
        {
            _dedup.FirstSeen($"warm-{i}");
        }

        _ids = new string[Ids * 40];
        for (var i = 0; i < _ids.Length; i++)
        {
            _ids[i] = $"{Guid.NewGuid():N}";
        }
    }

    [Benchmark(OperationsPerInvoke = Ids)]
    public int FirstSeen()
    {
        // A fresh slice of ids per invocation (wrapping after 40): mostly first sightings.
        var offset = _round++ % 40 * Ids;
        var first = 0;
        for (var i = 0; i < Ids; i++)
        {
            if (_dedup.FirstSeen(_ids[offset + i]))
            {
                first++;
            }
        }

        return first;
    }
}

/// <summary>
/// Applying decoded events to the engine's state with the watermark held behind every boundary
/// (a day of lateness): windows, items, backlogs, keywords; no point emitted. The first 50,000
/// events build the 200 shops' state outside the measurement; the next 50,000 are measured (steady
/// state: shops and their series exist, items come and go). Per event.
/// </summary>
[MemoryDiagnoser]
[IterationCount(20)]
public class ApplyBenchmarks
{
    private const int Events = 50_000;
    private readonly EngineOptions _options = Data.Engine(TimeSpan.FromDays(1));
    private MonitorEvent[] _warm = [];
    private MonitorEvent[] _events = [];
    private MetricEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        var all = Data.Decoded(2 * Events);
        _warm = all[..Events];
        _events = all[Events..];
    }

    [IterationSetup]
    public void NewEngine()
    {
        _engine = new MetricEngine(_options, _ => { });
        foreach (var e in _warm)
        {
            _engine.Accept(e);
        }
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long Apply()
    {
        foreach (var e in _events)
        {
            _engine.Accept(e);
        }

        return _engine.Shops;
    }
}

/// <summary>
/// Boundaries of 200 busy shops: the state of 100,000 events (about 200 s of event time) is
/// applied and the first 4 boundaries emitted outside the measurement (so every series has its
/// point); then the watermark passes 12 more, each emitting every active series of every shop
/// (points borrowed, as the hosts run). Per boundary.
/// </summary>
[MemoryDiagnoser]
[IterationCount(15)]
public class BoundaryBenchmarks
{
    private const int Warm = 4;
    private const int Boundaries = 12;
    private readonly EngineOptions _options = Data.Engine(TimeSpan.FromDays(1));
    private MonitorEvent[] _events = [];
    private MetricEngine _engine = null!;
    private long _firstBoundaryMs;
    private long _stepMs;
    private long _points;

    [GlobalSetup]
    public void Setup()
    {
        _events = Data.Decoded(100_000);
        _stepMs = (long)_options.Step.TotalMilliseconds;
        _firstBoundaryMs = ((_events.Min(e => e.TimestampMs) / _stepMs) + 1) * _stepMs;
        var spanBoundaries = (_events.Max(e => e.TimestampMs) - _firstBoundaryMs) / _stepMs;
        if (spanBoundaries < Warm + Boundaries)
        {
            throw new InvalidOperationException($"the events span {spanBoundaries} boundaries, fewer than {Warm + Boundaries}");
        }
    }

    [IterationSetup]
    public void Load()
    {
        _engine = new MetricEngine(_options, _ => _points++, borrowPoints: true);
        foreach (var e in _events)
        {
            _engine.Accept(e);
        }

        _engine.AdvanceTo(_firstBoundaryMs + ((Warm - 1) * _stepMs) + 1);
    }

    [Benchmark(OperationsPerInvoke = Boundaries)]
    public long Emit()
    {
        _engine.AdvanceTo(_firstBoundaryMs + ((Warm + Boundaries - 1) * _stepMs) + 1);
        return _points;
    }
}

/// <summary>InfluxDB line protocol of metric points, appended to one reused buffer. Per point.</summary>
[MemoryDiagnoser]
public class FormatBenchmarks
{
    private const int Points = 10_000;
    private readonly StringBuilder _buffer = new(1 << 20);
    private List<MetricPoint> _points = [];

    [GlobalSetup]
    public void Setup() => _points = Data.Points(Points);

    [Benchmark(OperationsPerInvoke = Points)]
    public int Format()
    {
        _buffer.Clear();
        foreach (var point in _points)
        {
            LineProtocol.Append(_buffer, point);
        }

        return _buffer.Length;
    }
}
