using System.Reflection;

namespace Monitor.Tests.Cli;

/// <summary>What ships in the <c>monitor</c> executable: the product, not the tools around it (issue 17, item 6).</summary>
public sealed class ProductAssemblyTests
{
    private static readonly Assembly Product = typeof(Monitor.Cli.BenchCommand).Assembly;

    [Fact]
    public void TheExecutable_DoesNotReferenceTheTestSupportOrBenchAssemblies()
    {
        var references = Product.GetReferencedAssemblies().Select(a => a.Name).ToArray();

        Assert.DoesNotContain("Monitor.TestSupport", references);
        Assert.DoesNotContain("monitor-bench", references);
        Assert.DoesNotContain(references, name => name!.StartsWith("BenchmarkDotNet", StringComparison.Ordinal));
    }

    [Fact]
    public void TheExecutable_HoldsNoServerHarnessOrToolBenchmark()
    {
        var names = Product.GetTypes().Select(t => t.FullName!).ToArray();

        Assert.DoesNotContain(names, name => name.StartsWith("Monitor.Servers.", StringComparison.Ordinal));
        Assert.DoesNotContain(names, name => name.Contains("LatencyBench", StringComparison.Ordinal) || name.Contains("SoakBench", StringComparison.Ordinal));
    }
}
