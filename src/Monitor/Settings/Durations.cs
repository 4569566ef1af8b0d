using System.Globalization;

namespace Monitor.Settings;

/// <summary>Durations as people write them: "250ms", "10s", "5m", "1h", "2d", or a plain number of seconds.</summary>
public static class Durations
{
    /// <summary>Parses <paramref name="text"/> (surrounding spaces allowed); false for empty, negative, non-finite or too large values.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string number, double unitSeconds) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ when text.EndsWith('h') => (text[..^1], 3600),
            _ when text.EndsWith('d') => (text[..^1], 86400),
            _ => (text, 1),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || !double.IsFinite(amount)
            || amount * unitSeconds >= TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(amount * unitSeconds);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, or throws a <see cref="FormatException"/> naming <paramref name="what"/> and giving examples.</summary>
    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value) ? value : throw new FormatException($"{what}: '{text}' is not a duration (examples: 250ms, 10s, 5m, 1h)");
}
