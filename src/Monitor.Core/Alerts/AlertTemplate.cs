using System.Globalization;
using System.Text;

namespace Monitor.Core.Alerts;

/// <summary>
/// Summary and description templates: <c>{{name}}</c> is replaced by a value (<c>value</c>,
/// <c>threshold</c>, <c>severity</c>, <c>rule</c>, <c>count</c>, <c>items</c>, or any label such as
/// <c>shop</c> or <c>team</c>). Unknown names stay as written; <see cref="Placeholders"/> lets a
/// loader reject them up front.
/// </summary>
public static class AlertTemplate
{
    /// <summary>Names every template may use besides the rule's labels and group tags.</summary>
    public static IReadOnlyList<string> BuiltIns { get; } = ["value", "threshold", "severity", "rule", "count", "items"];

    /// <summary>The placeholder names in <paramref name="template"/>, in order.</summary>
    public static IEnumerable<string> Placeholders(string template)
    {
        var at = 0;
        while ((at = template.IndexOf("{{", at, StringComparison.Ordinal)) >= 0)
        {
            var end = template.IndexOf("}}", at + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                yield break;
            }

            yield return template[(at + 2)..end].Trim();
            at = end + 2;
        }
    }

    /// <summary>Replaces each <c>{{name}}</c> by <paramref name="lookup"/>'s value for it; a name it returns null for stays as written.</summary>
    public static string Render(string template, Func<string, string?> lookup)
    {
        if (!template.Contains("{{", StringComparison.Ordinal))
        {
            return template;
        }

        var output = new StringBuilder(template.Length + 32);
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf("{{", at, StringComparison.Ordinal);
            var close = open < 0 ? -1 : template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                output.Append(template, at, template.Length - at);
                break;
            }

            output.Append(template, at, open - at);
            var value = lookup(template[(open + 2)..close].Trim());
            if (value is null)
            {
                output.Append(template, open, close + 2 - open);
            }
            else
            {
                output.Append(value);
            }

            at = close + 2;
        }

        return output.ToString();
    }

    /// <summary>Formats a value for people: ratios as percentages, seconds as durations, counts whole.</summary>
    public static string Format(double value, ValueUnit unit)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        switch (unit)
        {
            case ValueUnit.Ratio:
                return (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
            case ValueUnit.Count:
                return Math.Round(value).ToString("0", CultureInfo.InvariantCulture);
            case ValueUnit.Seconds:
                return Duration(value);
            default:
                return value.ToString("0.###", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>125 → 2m05s, 45.5 → 45.5s, 3720 → 1h02m.</summary>
    public static string Duration(double seconds)
    {
        if (seconds < 0)
        {
            return "-" + Duration(-seconds);
        }

        if (seconds < 60)
        {
            return seconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
        }

        var whole = (long)Math.Round(seconds);
        if (whole < 3600)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{whole / 60}m{whole % 60:00}s");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{whole / 3600}h{whole % 3600 / 60:00}m");
    }
}
