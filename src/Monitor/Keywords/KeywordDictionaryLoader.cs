using Monitor.Core.Keywords;
using Monitor.Settings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Monitor.Keywords;

/// <summary>
/// Reads a keyword file (docs/keywords.md) into a <see cref="KeywordDictionary"/>, collecting every
/// problem with its line and column instead of stopping at the first, so <c>monitor check</c> can
/// list them all. The dictionary is null whenever there is an error: a half-read file is never used.
/// </summary>
public static class KeywordDictionaryLoader
{
    private const string CategoryKeys = "name, severity, keywords, description";

    /// <summary>Largest keyword file read (1 MiB): a file is read whole, on every reload too.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>
    /// Most keywords a file may list (1,000): each is a <c>keyword</c> tag value of
    /// complaint_keywords, so series grow with shops × channels × keywords.
    /// </summary>
    public const int MaxKeywords = 1_000;

    /// <summary>Longest keyword, in characters after normalisation (100).</summary>
    public const int MaxKeywordLength = 100;

    /// <summary>Reads the keyword file at <paramref name="path"/>; a missing, unreadable or larger than <see cref="MaxFileBytes"/> file is one error.</summary>
    public static (KeywordDictionary? Dictionary, IReadOnlyList<SettingsError> Errors) Load(string path)
    {
        if (!File.Exists(path))
        {
            return (null, [new SettingsError(path, 0, 0, "file not found")]);
        }

        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (IOException ex)
        {
            return (null, [new SettingsError(path, 0, 0, $"cannot be read: {ex.Message}")]);
        }

        if (length > MaxFileBytes)
        {
            return (null, [new SettingsError(path, 0, 0, $"is {length:N0} bytes; a keyword file may be at most {MaxFileBytes:N0} bytes (1 MiB)")]);
        }

        try
        {
            using var reader = new StreamReader(path);
            return Read(reader, path);
        }
        catch (IOException ex)
        {
            return (null, [new SettingsError(path, 0, 0, $"cannot be read: {ex.Message}")]);
        }
    }

    /// <summary>Reads keyword YAML from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static (KeywordDictionary? Dictionary, IReadOnlyList<SettingsError> Errors) Read(TextReader reader, string file)
    {
        var errors = new List<SettingsError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            errors.Add(new SettingsError(file, (int)ex.Start.Line, (int)ex.Start.Column, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return (null, errors);
        }

        var context = new Context(file, errors);
        var categories = new List<KeywordCategory>();
        if (stream.Documents.Count == 0)
        {
            errors.Add(new SettingsError(file, 0, 0, "the file is empty; it needs a top-level 'categories' list"));
        }
        else if (stream.Documents[0].RootNode is YamlMappingNode root)
        {
            ReadRoot(root, categories, context);
        }
        else
        {
            context.Error(stream.Documents[0].RootNode, "the top level must be a mapping with 'categories'");
        }

        var count = categories.Sum(c => c.Keywords.Count);
        if (count > MaxKeywords)
        {
            errors.Add(new SettingsError(file, 0, 0, $"lists {count:N0} keywords; at most {MaxKeywords:N0} are allowed (each is a 'keyword' tag value of complaint_keywords, so series grow with shops × channels × keywords)"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        try
        {
            return (KeywordDictionary.Compile(categories), errors);
        }
        catch (KeywordDictionaryException ex)
        {
            // The reader checks everything Compile does, with places; this is a safety net.
            errors.AddRange(ex.Problems.Select(p => new SettingsError(file, 0, 0, p)));
            return (null, errors);
        }
    }

    private static void ReadRoot(YamlMappingNode root, List<KeywordCategory> categories, Context context)
    {
        var seenCategories = false;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (key != "categories")
            {
                context.Error(keyNode, $"top level: unknown key '{key}' (known: categories)");
                continue;
            }

            seenCategories = true;
            if (value is not YamlSequenceNode list)
            {
                context.Error(value, "categories must be a list of categories");
                continue;
            }

            var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            var owners = new Dictionary<string, (string Category, YamlNode Node)>(StringComparer.Ordinal);
            foreach (var item in list.Children)
            {
                if (ReadCategory(item, names, owners, context) is { } category)
                {
                    categories.Add(category);
                }
            }
        }

        if (!seenCategories)
        {
            context.Error(root, "missing 'categories'");
        }
    }

    private static KeywordCategory? ReadCategory(
        YamlNode node,
        Dictionary<string, YamlNode> names,
        Dictionary<string, (string Category, YamlNode Node)> owners,
        Context context)
    {
        if (node is not YamlMappingNode mapping)
        {
            context.Error(node, "a category must be a mapping with name, severity and keywords");
            return null;
        }

        string? name = null;
        KeywordSeverity? severity = null;
        YamlNode? keywordsNode = null;
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "name":
                    name = context.Scalar(value, "category name");
                    if (name is not null && !IsTagSafe(name))
                    {
                        context.Error(value, $"category name '{name}' must be lower-case letters, digits and '_'");
                        name = null;
                    }
                    else if (name is not null && !names.TryAdd(name, value))
                    {
                        context.Error(value, $"category '{name}' is defined twice (first at line {names[name].Start.Line})");
                        name = null;
                    }

                    break;
                case "severity":
                    var text = context.Scalar(value, "severity");
                    if (KeywordSeverities.TryParse(text, out var parsed))
                    {
                        severity = parsed;
                    }
                    else if (text is not null)
                    {
                        context.Error(value, $"severity must be info, warning or critical, not '{text}'");
                    }

                    break;
                case "keywords":
                    keywordsNode = value;
                    break;
                case "description":
                    break;
                default:
                    context.Error(keyNode, $"category: unknown key '{key}' (known: {CategoryKeys})");
                    break;
            }
        }

        var where = name is null ? "a category" : $"category '{name}'";
        if (!mapping.Children.ContainsKey(new YamlScalarNode("name")))
        {
            context.Error(mapping, $"{where} has no name");
        }

        if (!mapping.Children.ContainsKey(new YamlScalarNode("severity")))
        {
            context.Error(mapping, $"{where} has no severity (info, warning or critical)");
        }

        if (keywordsNode is null)
        {
            context.Error(mapping, $"{where} has no keywords");
            return null;
        }

        if (keywordsNode is not YamlSequenceNode list || list.Children.Count == 0)
        {
            context.Error(keywordsNode, $"{where}: keywords must be a non-empty list");
            return null;
        }

        var keywords = new List<string>();
        foreach (var item in list.Children)
        {
            if (item is not YamlScalarNode scalar)
            {
                context.Error(item, $"{where}: a keyword must be a plain value, not a list or mapping");
                continue;
            }

            var normalized = KeywordText.Normalize(scalar.Value ?? "").Trim();
            if (normalized.Length == 0)
            {
                context.Error(item, $"{where}: empty keyword");
                continue;
            }

            if (normalized.Length > MaxKeywordLength)
            {
                context.Error(item, $"{where}: a keyword of {normalized.Length:N0} characters; at most {MaxKeywordLength} are allowed");
                continue;
            }

            if (owners.TryGetValue(normalized, out var owner))
            {
                var same = owner.Category == (name ?? "");
                context.Error(item, same
                    ? $"{where}: keyword '{normalized}' is listed twice (first at line {owner.Node.Start.Line})"
                    : $"{where}: keyword '{normalized}' is already in category '{owner.Category}' (line {owner.Node.Start.Line}); a keyword belongs to one category");
                continue;
            }

            owners.Add(normalized, (name ?? "", item));
            keywords.Add(scalar.Value!);
        }

        return name is not null && severity is not null ? new KeywordCategory(name, severity.Value, keywords) : null;
    }

    private static bool IsTagSafe(string name) =>
        name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private sealed record Context(string File, List<SettingsError> Errors)
    {
        public void Error(YamlNode node, string message) =>
            Errors.Add(new SettingsError(File, (int)node.Start.Line, (int)node.Start.Column, message));

        public string? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } value } && value.Trim().Length > 0)
            {
                return value.Trim();
            }

            Error(node, $"{what} must be a non-empty value");
            return null;
        }
    }
}
