using System.Text;

namespace Monitor.Core.Keywords;

/// <summary>The one normalisation applied to keywords and texts alike before matching.</summary>
public static class KeywordText
{
    /// <summary>
    /// Unicode NFKC (full-width ＲＥＦＵＮＤ and １２３１５ become REFUND and 12315), then invariant
    /// lower case. NFKC is the runtime's (<see cref="string.Normalize(NormalizationForm)"/>, ICU on
    /// Linux); <see cref="Unavailable"/> says when it cannot work. Lone surrogates, which NFKC
    /// rejects, and U+FFFE, which the runtime rejects, become U+FFFD first, so any string is
    /// accepted.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ReplaceInvalid(text).Normalize(NormalizationForm.FormKC).ToLowerInvariant();
    }

    /// <summary>
    /// Null when the runtime normalises Unicode; otherwise why not and what to do. Under invariant
    /// globalization (or without ICU) <see cref="string.Normalize(NormalizationForm)"/> returns
    /// non-ASCII text unchanged, so ＲＥＦＵＮＤ would never meet refund: commands that match
    /// keywords refuse to start instead.
    /// </summary>
    public static string? Unavailable()
    {
        string probe;
        try
        {
            probe = "\uFF32\uFF25\uFF26\u2460".Normalize(NormalizationForm.FormKC);
        }
        catch (PlatformNotSupportedException)
        {
            probe = "";
        }

        return probe == "REF1"
            ? null
            : "Unicode normalisation (NFKC) is unavailable, so full-width and compatibility characters would not match keywords: "
              + "install ICU (Debian: apt-get install libicu72, or the libicu of your release) and do not set DOTNET_SYSTEM_GLOBALIZATION_INVARIANT or InvariantGlobalization.";
    }

    /// <summary>
    /// True when every character of <paramref name="text"/> is one whose normal form does not
    /// depend on its neighbours and is one UTF-16 unit (or keeps its surrogate pair): ASCII and C1
    /// (their own NFKC form), CJK ideographs (U+3400–U+4DBF, U+4E00–U+9FFF), the ideographic space,
    /// comma and full stop, the full-width forms of ASCII (U+FF01–U+FF5E, which NFKC maps to
    /// ASCII), the symbols and dingbats of U+2600–U+27BF, the emoji variation selectors and the
    /// emoji of U+1F300–U+1FAFF. None of these composes with another, so such a text normalises
    /// character by character (<see cref="MapStable"/>) to exactly <see cref="Normalize"/>'s
    /// result without building a string: the common case of Chinese and English customer text.
    /// A test compares every such character with the full normalisation.
    /// </summary>
    internal static bool IsCharwiseStable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < '\u00A0' || c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3400' and <= '\u4DBF') or '\u3000' or '\u3001' or '\u3002'
                or (>= '\uFF01' and <= '\uFF5E') or (>= '\u2600' and <= '\u27BF') or '\uFE0E' or '\uFE0F')
            {
                continue;
            }

            // U+1F300..U+1FAFF: high surrogate D83C (from DF00), D83D or D83E, then a low surrogate.
            if (c is >= '\uD83C' and <= '\uD83E' && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                && (c != '\uD83C' || text[i + 1] >= '\uDF00') && (c != '\uD83E' || text[i + 1] <= '\uDEFF'))
            {
                i++;
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>The normalised (NFKC, lower case) form of one UTF-16 unit of a text that <see cref="IsCharwiseStable"/> accepted.</summary>
    internal static char MapStable(char c)
    {
        if (c is >= '\uFF01' and <= '\uFF5E')
        {
            c = (char)(c - 0xFEE0);
        }
        else if (c == '\u3000')
        {
            return ' ';
        }

        return c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
    }

    private static string ReplaceInvalid(string text)
    {
        var firstBad = FirstInvalid(text, 0);
        if (firstBad < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = firstBad; i >= 0; i = FirstInvalid(text, i + 1))
        {
            chars[i] = '\uFFFD';
        }

        return new string(chars);
    }

    /// <summary>The index of the first lone surrogate or U+FFFE at or after <paramref name="from"/>, or -1.</summary>
    private static int FirstInvalid(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || c == '\uFFFE')
            {
                return i;
            }
        }

        return -1;
    }
}
