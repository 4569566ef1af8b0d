using System.Globalization;
using System.Text;

namespace Monitor.Core.Keywords;

/// <summary>
/// Unicode NFKC in managed code. The project runs with InvariantGlobalization, where
/// <see cref="string.Normalize(NormalizationForm)"/> returns non-ASCII text unchanged, so
/// ＲＥＦＵＮＤ would never meet refund. This is the standard algorithm (full compatibility
/// decomposition, canonical reordering, canonical composition, Hangul by arithmetic) over the
/// tables in <see cref="NfkcData"/>. Input must hold no lone surrogates.
/// </summary>
internal static class NfkcNormalizer
{
    private const int HangulBase = 0xAC00, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int LeadCount = 19, VowelCount = 21, TrailCount = 28, SyllableCount = 11172;
    private const int BlockedClass = 256;

    private static readonly Dictionary<int, int[]> Decompositions = ParseDecompositions();
    private static readonly Dictionary<int, byte> CombiningClasses = ParseCombiningClasses();
    private static readonly Dictionary<long, int> Compositions = ParseCompositions();

    public static string Normalize(string text)
    {
        // Below U+00A0 every character is its own NFKC form: the common case costs one scan.
        var i = 0;
        while (i < text.Length && text[i] < '\u00A0')
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var points = new List<int>(text.Length + 8);
        for (var j = 0; j < i; j++)
        {
            points.Add(text[j]);
        }

        for (; i < text.Length; i++)
        {
            var cp = (int)text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            Decompose(cp, points);
        }

        Reorder(points);
        Compose(points);

        var result = new StringBuilder(points.Count);
        foreach (var cp in points)
        {
            if (cp < 0x10000)
            {
                result.Append((char)cp);
            }
            else
            {
                result.Append(char.ConvertFromUtf32(cp));
            }
        }

        return result.ToString();
    }

    private static void Decompose(int cp, List<int> points)
    {
        var s = cp - HangulBase;
        if (s is >= 0 and < SyllableCount)
        {
            points.Add(LeadBase + (s / (VowelCount * TrailCount)));
            points.Add(VowelBase + (s % (VowelCount * TrailCount) / TrailCount));
            if (s % TrailCount != 0)
            {
                points.Add(TrailBase + (s % TrailCount));
            }
        }
        else if (Decompositions.TryGetValue(cp, out var parts))
        {
            points.AddRange(parts);
        }
        else
        {
            points.Add(cp);
        }
    }

    private static int ClassOf(int cp) => CombiningClasses.TryGetValue(cp, out var c) ? c : 0;

    /// <summary>Stable sort of each run of non-starters by combining class (runs are short).</summary>
    private static void Reorder(List<int> points)
    {
        for (var i = 1; i < points.Count; i++)
        {
            var cls = ClassOf(points[i]);
            if (cls == 0)
            {
                continue;
            }

            for (var j = i; j > 0; j--)
            {
                var before = ClassOf(points[j - 1]);
                if (before <= cls)
                {
                    break;
                }

                (points[j - 1], points[j]) = (points[j], points[j - 1]);
            }
        }
    }

    /// <summary>Canonical composition as in the Unicode Standard's sample code (UAX #15).</summary>
    private static void Compose(List<int> points)
    {
        if (points.Count < 2)
        {
            return;
        }

        var starter = 0;
        var lastClass = ClassOf(points[0]) == 0 ? 0 : BlockedClass;
        var write = 1;
        for (var read = 1; read < points.Count; read++)
        {
            var cp = points[read];
            var cls = ClassOf(cp);
            if ((lastClass < cls || lastClass == 0) && TryCompose(points[starter], cp, out var composite))
            {
                points[starter] = composite;
                continue;
            }

            if (cls == 0)
            {
                starter = write;
            }

            lastClass = cls;
            points[write++] = cp;
        }

        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        var l = first - LeadBase;
        var v = second - VowelBase;
        if (l is >= 0 and < LeadCount && v is >= 0 and < VowelCount)
        {
            composite = HangulBase + (((l * VowelCount) + v) * TrailCount);
            return true;
        }

        var s = first - HangulBase;
        var t = second - TrailBase;
        if (s is >= 0 and < SyllableCount && s % TrailCount == 0 && t is > 0 and < TrailCount)
        {
            composite = first + t;
            return true;
        }

        return Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static Dictionary<int, int[]> ParseDecompositions()
    {
        var map = new Dictionary<int, int[]>();
        foreach (var entry in NfkcData.Decompositions.Split(';'))
        {
            var colon = entry.IndexOf(':');
            map[Hex(entry.AsSpan(0, colon))] = [.. entry[(colon + 1)..].Split(' ').Select(p => Hex(p))];
        }

        return map;
    }

    private static Dictionary<int, byte> ParseCombiningClasses()
    {
        var map = new Dictionary<int, byte>();
        foreach (var entry in NfkcData.CombiningClasses.Split(';'))
        {
            var dash = entry.IndexOf('-');
            var colon = entry.IndexOf(':');
            var cls = byte.Parse(entry.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            for (var cp = Hex(entry.AsSpan(0, dash)); cp <= Hex(entry.AsSpan(dash + 1, colon - dash - 1)); cp++)
            {
                map[cp] = cls;
            }
        }

        return map;
    }

    private static Dictionary<long, int> ParseCompositions()
    {
        var map = new Dictionary<long, int>();
        foreach (var entry in NfkcData.Compositions.Split(';'))
        {
            var space = entry.IndexOf(' ');
            var colon = entry.IndexOf(':');
            var first = Hex(entry.AsSpan(0, space));
            var second = Hex(entry.AsSpan(space + 1, colon - space - 1));
            map[((long)first << 21) | (uint)second] = Hex(entry.AsSpan(colon + 1));
        }

        return map;
    }

    private static int Hex(ReadOnlySpan<char> text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
