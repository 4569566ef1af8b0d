using System.Reactive.Linq;
using System.Text;
using Monitor.Core.Events;
using Monitor.Core.Metrics;
using Monitor.Core.Pipeline;
using Monitor.Keywords;
using Monitor.Simulation;
using Monitor.Tests.Support;

namespace Monitor.Tests.Output;

/// <summary>
/// The metric contract is written once (<see cref="MetricContract"/>): what the engine writes, what
/// rules are checked against and docs/metrics.md's field reference must all be that one table.
/// </summary>
public sealed class MetricContractTests
{
    private const string Begin = "<!-- field reference: generated from MetricContract; MetricContractTests fails when it differs -->";
    private const string End = "<!-- end of field reference -->";

    [Fact]
    public void EveryPointOfASimulatedEvening_HasTheContractsTagsAndFields_OfTheirKinds_AndEveryFieldOccurs()
    {
        var decoder = new EventDecoder();
        var events = new Double11Scenario()
            .Generate(new SimulationOptions { Duration = TimeSpan.FromMinutes(30), Shops = 30 })
            .Select(e => decoder.Decode(e.Json, null).Event!)
            .ToArray();
        var shapes = MetricContract.All.Append(MetricContract.ResponseTimeByChannel).ToDictionary(m => m.Name);
        var fieldsSeen = new HashSet<(string Measurement, string Field)>();
        var points = 0;

        using (events.ToObservable().Select(e => PipelineInput.Of(e))
            .ToMetricPoints(new EngineOptions { Keywords = KeywordSetup.Load(null).Holder, ShipSla = TimeSpan.FromMinutes(10) }) // deadlines fall within the half hour
            .Subscribe(batch =>
            {
                foreach (var point in batch)
                {
                    points++;
                    Assert.True(shapes.TryGetValue(point.Measurement, out var shape), $"{point.Measurement} is not in the contract");
                    Assert.Equal(shape!.TagNames.Order(StringComparer.Ordinal), point.Tags.Select(t => t.Key).Order(StringComparer.Ordinal));
                    foreach (var (tag, value) in point.Tags)
                    {
                        if (shape.TagValues(tag) is { } allowed)
                        {
                            Assert.Contains(value, allowed);
                        }
                    }

                    foreach (var field in point.Fields)
                    {
                        var contract = Assert.Single(shape.Fields, f => f.Name == field.Key);
                        Assert.Equal(contract.Kind, field.Kind);
                        fieldsSeen.Add((point.Measurement, field.Key));
                    }
                }
            }))
        {
        }

        Assert.True(points > 10_000, $"only {points} points");
        var everyField = shapes.Values.SelectMany(m => m.Fields.Select(f => (m.Name, f.Name))).ToHashSet();
        Assert.Empty(everyField.Except(fieldsSeen));
    }

    [Fact]
    public void DocsFieldReference_IsTheContract()
    {
        var docs = File.ReadAllText(RepoFiles.Path("docs", "metrics.md"));
        var start = docs.IndexOf(Begin, StringComparison.Ordinal);
        var end = docs.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/metrics.md has no section between {Begin} and {End}");

        var written = docs[(start + Begin.Length)..end].Trim();
        var expected = FieldReference().Trim();
        Assert.True(expected == written, $"docs/metrics.md's field reference differs from MetricContract; it should read:\n{expected}");
    }

    /// <summary>The field reference table, as docs/metrics.md holds it.</summary>
    private static string FieldReference()
    {
        var table = new StringBuilder();
        table.Append("| measurement | tags | fields |\n|---|---|---|\n");
        foreach (var shape in MetricContract.All)
        {
            var tags = shape.Tags.Select(t => t.Values is null ? $"`{t.Name}`" : $"`{t.Name}` ({string.Join(", ", t.Values)})");
            var fields = shape.Fields.Select(f => $"`{f.Name}` ({Unit(f.Unit)})");
            table.Append(System.Globalization.CultureInfo.InvariantCulture, $"| `{shape.Name}` | {string.Join(", ", tags)} | {string.Join(", ", fields)} |\n");
        }

        return table.ToString();
    }

    private static string Unit(FieldUnit unit) => unit switch
    {
        FieldUnit.Count => "int",
        FieldUnit.Ratio => "ratio 0..1",
        FieldUnit.Seconds => "seconds",
        _ => "number",
    };
}
