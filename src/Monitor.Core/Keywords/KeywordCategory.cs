namespace Monitor.Core.Keywords;

/// <summary>How serious a hit of a category is; ordered like alert severities (DESIGN §5).</summary>
public enum KeywordSeverity
{
    /// <summary>The lowest, named <c>info</c>.</summary>
    Info = 1,
    /// <summary>The middle, named <c>warning</c>.</summary>
    Warning = 2,
    /// <summary>The highest (e.g. a threat to go to a regulator), named <c>critical</c>.</summary>
    Critical = 3,
}

/// <summary>
/// A named group of keywords with one severity. <see cref="Name"/> becomes the <c>category</c> tag
/// of complaint_keywords, so it should be short, lower case and stable (e.g. <c>regulator</c>).
/// </summary>
public sealed record KeywordCategory(string Name, KeywordSeverity Severity, IReadOnlyList<string> Keywords);

/// <summary>
/// One compiled keyword. <see cref="Text"/> is the normalised form that is matched and that becomes
/// the <c>keyword</c> tag; <see cref="Id"/> is its index in <see cref="KeywordDictionary.Keywords"/>.
/// </summary>
public sealed record Keyword(int Id, string Text, string Category, KeywordSeverity Severity);

/// <summary>The categories given to <see cref="KeywordDictionary.Compile"/> do not make a valid dictionary.</summary>
public sealed class KeywordDictionaryException(IReadOnlyList<string> problems)
    : Exception("invalid keyword dictionary: " + string.Join("; ", problems))
{
    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Severity names as written in keyword files.</summary>
public static class KeywordSeverities
{
    /// <summary>The name as written in keyword files: <c>info</c>, <c>warning</c> or <c>critical</c>.</summary>
    public static string Name(KeywordSeverity severity) => severity switch
    {
        KeywordSeverity.Info => "info",
        KeywordSeverity.Warning => "warning",
        KeywordSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity)),
    };

    /// <summary>Parses a name as written in keyword files (exact, lower case); false for any other text.</summary>
    public static bool TryParse(string? text, out KeywordSeverity severity)
    {
        switch (text)
        {
            case "info": severity = KeywordSeverity.Info; return true;
            case "warning": severity = KeywordSeverity.Warning; return true;
            case "critical": severity = KeywordSeverity.Critical; return true;
            default: severity = default; return false;
        }
    }
}
