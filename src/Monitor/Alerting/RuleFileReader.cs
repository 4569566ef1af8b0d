using System.Globalization;
using Monitor.Settings;
using YamlDotNet.RepresentationModel;

namespace Monitor.Alerting;

/// <summary>
/// Reads values out of a rule file's YAML nodes, recording every problem with its place and the
/// rule it belongs to (<see cref="Scope"/>), so one pass lists them all. Each reading method
/// returns null after recording why.
/// </summary>
internal sealed class RuleFileReader(string file, List<SettingsError> errors, string scope = "")
{
    public string Scope => scope;

    public List<SettingsError> Errors => errors;

    /// <summary>The same file and error list, with messages prefixed by <paramref name="name"/> (e.g. <c>rule ChatSlow</c>).</summary>
    public RuleFileReader Scoped(string name) => new(file, errors, name);

    public void Error(YamlNode node, string message) =>
        errors.Add(new SettingsError(file, (int)node.Start.Line, (int)node.Start.Column, scope.Length == 0 ? message : $"{scope}: {message}"));

    /// <summary>
    /// The keys of a mapping that are in <paramref name="known"/>, with their values; unknown keys
    /// are reported at the key with a "did you mean" when one is close.
    /// </summary>
    public Dictionary<string, YamlNode> Keys(YamlNode node, string what, IReadOnlyList<string> known)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, keyNode, value) in Pairs(node, what))
        {
            if (known.Contains(key))
            {
                result[key] = value;
            }
            else
            {
                Error(keyNode, Unknown(what, "key", key, known));
            }
        }

        return result;
    }

    /// <summary>Every key and value of a mapping (reported and empty when the node is not a mapping).</summary>
    public IEnumerable<(string Key, YamlNode KeyNode, YamlNode Value)> Pairs(YamlNode node, string what)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(node, $"{what} must be a mapping");
            yield break;
        }

        foreach (var (key, value) in mapping.Children)
        {
            yield return ((key as YamlScalarNode)?.Value ?? "", key, value);
        }
    }

    /// <summary>"unknown key 'metrc'; did you mean 'metric'?" or, with nothing close, the known names.</summary>
    public static string Unknown(string what, string noun, string name, IReadOnlyList<string> known)
    {
        var prefix = what.Length == 0 ? "" : $"{what}: ";
        return Suggestions.Closest(name, known) is { } close
            ? $"{prefix}unknown {noun} '{name}'; did you mean '{close}'?"
            : $"{prefix}unknown {noun} '{name}' (known: {string.Join(", ", known)})";
    }

    public string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } value } && value.Trim().Length > 0)
        {
            return value.Trim();
        }

        Error(node, $"{what} must be a non-empty value");
        return null;
    }

    /// <summary>A plain value, or a list of them (<c>chat</c> or <c>[chat, email]</c>).</summary>
    public IReadOnlyList<string>? Texts(YamlNode node, string what)
    {
        if (node is YamlScalarNode)
        {
            return Text(node, what) is { } one ? [one] : null;
        }

        if (node is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            Error(node, $"{what} must be a value or a non-empty list of values");
            return null;
        }

        var values = list.Children.Select(item => Text(item, what)).ToArray();
        return values.All(v => v is not null) ? values.Select(v => v!).ToArray() : null;
    }

    /// <summary>A finite number (NaN and infinities are refused).</summary>
    public double? Number(YamlNode node, string what)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(node, $"{what} must be a finite number, not '{text}'");
        return null;
    }

    public long? Whole(YamlNode node, string what, long min, long max)
    {
        var text = Text(node, what);
        if (text is not null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        if (text is not null)
        {
            Error(node, $"{what} must be a whole number from {min} to {max}, not '{text}'");
        }

        return null;
    }

    /// <summary>A duration of zero or more (30s, 5m, 1h; see <see cref="Durations"/>).</summary>
    public TimeSpan? Duration(YamlNode node, string what)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }

        if (Durations.TryParse(text, out var value))
        {
            return value;
        }

        Error(node, text.StartsWith('-') && Durations.TryParse(text[1..], out _)
            ? $"{what} must not be negative, not '{text}'"
            : $"{what} must be a duration like 30s, 5m or 1h, not '{text}'");
        return null;
    }

    public TimeSpan? PositiveDuration(YamlNode node, string what)
    {
        var value = Duration(node, what);
        if (value == TimeSpan.Zero)
        {
            Error(node, $"{what} must be longer than zero");
            return null;
        }

        return value;
    }

    /// <summary>One of <paramref name="choices"/> (their lower-case names), or null after a "did you mean".</summary>
    public T? Choice<T>(YamlNode node, string what, IReadOnlyList<T> choices, Func<T, string> name)
        where T : struct
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }

        foreach (var choice in choices)
        {
            if (name(choice) == text)
            {
                return choice;
            }
        }

        Error(node, $"{what}: {Unknown("", "value", text, choices.Select(name).ToArray())}");
        return null;
    }
}
