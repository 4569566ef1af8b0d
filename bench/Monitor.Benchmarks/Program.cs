using BenchmarkDotNet.Running;

namespace Monitor.Benchmarks;

/// <summary>
/// Micro-benchmarks of the hot path's stages: decode, apply, boundary, format.
/// <c>dotnet run -c Release --project bench/Monitor.Benchmarks -- --filter '*'</c>
/// (docs/performance.md). <c>monitor bench</c> measures the whole pipeline.
/// </summary>
public static class Entry
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Entry).Assembly).Run(args);
}
