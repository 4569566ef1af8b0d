using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;

namespace Monitor.Tests.Docs;

/// <summary>
/// Issue 17, item 8: the XML docs are compiled (GenerateDocumentationFile in both src projects), and
/// every public type of the product has a summary in them, so a newcomer reading an API meets a
/// sentence saying what it is for. Members are held to the same by the compiler (CS1591 is an error
/// in both projects); this test keeps the type-level promise visible and names the offender.
/// </summary>
public sealed class PublicTypesDocumentationTests
{
    [Theory]
    [InlineData("Monitor.Core")]
    [InlineData("monitor")]
    public void EveryPublicType_HasASummary(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var file = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(file), $"{file} is missing: is GenerateDocumentationFile on?");
        var documented = XDocument.Load(file).Descendants("member")
            .Where(member => ((string?)member.Attribute("name"))?.StartsWith("T:", StringComparison.Ordinal) == true
                && member.Element("summary") is { } summary && summary.Value.Trim().Length > 0)
            .Select(member => ((string)member.Attribute("name")!)[2..])
            .ToHashSet(StringComparer.Ordinal);

        var missing = assembly.GetExportedTypes()
            .Where(type => !type.IsDefined(typeof(CompilerGeneratedAttribute)))
            .Select(type => type.FullName!.Replace('+', '.'))
            .Where(name => !documented.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(missing.Length == 0, $"{missing.Length} public types of {assemblyName} without a <summary>:\n{string.Join("\n", missing)}");
    }

    [Fact]
    public void InfluxCredentialDocs_SayWhatTheWriterSends_ABasicHeaderNotTheUrl()
    {
        // Issue 18 item 9: the docs of the user name and password said they go in the URL, while the
        // writer sends them in a Basic header (InfluxWriterTests.V1_PostsToWrite…: no u/p in the URL).
        var file = Path.ChangeExtension(Assembly.Load("monitor").Location, ".xml");
        string Summary(string property) => XDocument.Load(file).Descendants("member")
            .Single(member => (string?)member.Attribute("name") == $"P:Monitor.Influx.InfluxOptions.{property}")
            .Element("summary")!.Value;

        foreach (var property in new[] { "Username", "Password" })
        {
            var summary = Summary(property);
            Assert.Contains("Basic", summary, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?<!never )in the URL|query parameter", summary);
        }
    }
}
