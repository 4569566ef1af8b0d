using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;

namespace Monitor.Tests.Docs;

/// <summary>
/// Issue 17, item 8: the XML docs are compiled (GenerateDocumentationFile in both src projects), and
/// every public type of the product has a summary in them, so a newcomer reading an API meets a
/// sentence saying what it is for. Members are not required to have one (see the projects' NoWarn).
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
}
