using Monitor.Core.Keywords;
using Monitor.Keywords;

namespace Monitor.Tests.Keywords;

public sealed class KeywordDictionaryLoaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"keywords-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_path);

    private IReadOnlyList<string> Errors(string yaml)
    {
        File.WriteAllText(_path, yaml);
        var (dictionary, errors) = KeywordDictionaryLoader.Load(_path);
        Assert.Null(dictionary);
        Assert.NotEmpty(errors);
        return errors.Select(e => e.ToString().Replace(_path, "F", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public void ValidFile_IsCompiled()
    {
        File.WriteAllText(_path, """
            categories:
              - name: regulator
                severity: critical
                keywords: [12315, 消协, 市场监管]
              - name: refund
                severity: info
                description: refunds
                keywords:
                  - 退款
                  - ＲＥＦＵＮＤ
            """);

        var (dictionary, errors) = KeywordDictionaryLoader.Load(_path);

        Assert.Empty(errors);
        Assert.NotNull(dictionary);
        Assert.Equal(5, dictionary.Count);
        Assert.Equal(["regulator", "refund"], dictionary.Categories.Select(c => c.Name).ToArray());
        var hit = Assert.Single(dictionary.Match("I want my refund"));
        Assert.Equal(("refund", KeywordSeverity.Info), (hit.Category, hit.Severity));
        Assert.Equal("12315", Assert.Single(dictionary.Match("打１２３１５")).Text);
    }

    [Fact]
    public void UnknownKey_IsReported_WithItsPlace()
    {
        var errors = Errors("""
            categories:
              - name: refund
                severity: info
                keywrods: [退款]
            """);

        Assert.Contains("F:4:5: category: unknown key 'keywrods' (known: name, severity, keywords, description)", errors);
        Assert.Contains("F:2:5: category 'refund' has no keywords", errors);
    }

    [Fact]
    public void UnknownTopLevelKey_IsReported()
    {
        var errors = Errors("""
            categories:
              - name: refund
                severity: info
                keywords: [退款]
            extra: 1
            """);

        Assert.Equal(["F:5:1: top level: unknown key 'extra' (known: categories)"], errors);
    }

    [Fact]
    public void EmptyKeyword_IsReported()
    {
        var errors = Errors("""
            categories:
              - name: refund
                severity: info
                keywords:
                  - 退款
                  - ""
            """);

        Assert.Equal(["F:6:9: category 'refund': empty keyword"], errors);
    }

    [Fact]
    public void DuplicateKeywordAcrossCategories_IsReported_WithBothPlaces()
    {
        var errors = Errors("""
            categories:
              - name: complaint
                severity: warning
                keywords: [投诉, complaint]
              - name: regulator
                severity: critical
                keywords: [12315, ＣＯＭＰＬＡＩＮＴ]
            """);

        Assert.Equal(["F:7:23: category 'regulator': keyword 'complaint' is already in category 'complaint' (line 4); a keyword belongs to one category"], errors);
    }

    [Fact]
    public void BadSeverity_IsReported()
    {
        var errors = Errors("""
            categories:
              - name: refund
                severity: urgent
                keywords: [退款]
            """);

        Assert.Equal(["F:3:15: severity must be info, warning or critical, not 'urgent'"], errors);
    }

    [Fact]
    public void BadCategoryName_AndDuplicateCategory_AreReported()
    {
        var errors = Errors("""
            categories:
              - name: Bad Name
                severity: info
                keywords: [a]
              - name: refund
                severity: info
                keywords: [b]
              - name: refund
                severity: info
                keywords: [c]
            """);

        Assert.Contains("F:2:11: category name 'Bad Name' must be lower-case letters, digits and '_'", errors);
        Assert.Contains("F:8:11: category 'refund' is defined twice (first at line 5)", errors);
    }

    [Fact]
    public void AFileOverOneMebibyte_IsRefused_BeforeItIsRead()
    {
        var errors = Errors("categories:\n  - name: big\n    severity: info\n    keywords: [退款]\n" + new string('#', (int)KeywordDictionaryLoader.MaxFileBytes));
        Assert.Equal([$"F: is {new FileInfo(_path).Length:N0} bytes; a keyword file may be at most 1,048,576 bytes (1 MiB)"], errors);
    }

    [Fact]
    public void MoreKeywordsThanTheCap_AndAnOverlongKeyword_AreRefused()
    {
        var many = string.Join(", ", Enumerable.Range(0, KeywordDictionaryLoader.MaxKeywords + 1).Select(i => $"k{i}"));
        var errors = Errors($"categories:\n  - name: flood\n    severity: info\n    keywords: [{many}]\n");
        Assert.Contains(errors, e => e.Contains("lists 1,001 keywords; at most 1,000 are allowed", StringComparison.Ordinal));

        errors = Errors($"categories:\n  - name: long\n    severity: info\n    keywords: [ok, {new string('x', 101)}]\n");
        Assert.Equal(["F:4:20: category 'long': a keyword of 101 characters; at most 100 are allowed"], errors);

        // At the limits the file loads.
        File.WriteAllText(_path, $"categories:\n  - name: edge\n    severity: info\n    keywords: [{new string('x', 100)}, {string.Join(", ", Enumerable.Range(0, 999).Select(i => $"k{i}"))}]\n");
        var (dictionary, loaded) = KeywordDictionaryLoader.Load(_path);
        Assert.Empty(loaded);
        Assert.Equal(1_000, dictionary!.Count);
    }

    [Fact]
    public void InvalidYaml_AndMissingFile_AreReported()
    {
        Assert.Single(Errors("categories: [\n  - name: x"), e => e.StartsWith("F:", StringComparison.Ordinal) && e.Contains("not valid YAML"));

        var (dictionary, errors) = KeywordDictionaryLoader.Load(_path + ".missing");
        Assert.Null(dictionary);
        Assert.EndsWith("file not found", Assert.Single(errors).Message);
    }

    [Fact]
    public void ShippedDictionary_LoadsWithoutErrors()
    {
        var (dictionary, errors) = KeywordDictionaryLoader.Load(Support.RepoFiles.Path("config", "keywords.yaml"));

        Assert.Empty(errors);
        Assert.NotNull(dictionary);
        foreach (var keyword in new[] { "投诉", "12315", "消协", "差评", "曝光", "假货", "骗", "破损", "漏发", "错发", "退款", "complaint", "chargeback", "scam", "broken", "refund" })
        {
            Assert.Contains(dictionary.Keywords, k => k.Text == keyword);
        }

        Assert.Equal(["12315", "投诉"], dictionary.Match("我要投诉，打１２３１５").Select(k => k.Text).Order(StringComparer.Ordinal).ToArray());
    }
}
