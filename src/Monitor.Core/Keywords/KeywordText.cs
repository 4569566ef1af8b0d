namespace Monitor.Core.Keywords;

/// <summary>The one normalisation applied to keywords and texts alike before matching.</summary>
public static class KeywordText
{
    /// <summary>
    /// Unicode NFKC (full-width ＲＥＦＵＮＤ and １２３１５ become REFUND and 12315), then invariant
    /// lower case. NFKC is computed by <see cref="NfkcNormalizer"/>, not <c>string.Normalize</c>,
    /// which is a no-op for non-ASCII text under the project's InvariantGlobalization. Lone
    /// surrogates, which NFKC rejects, become U+FFFD first, so any string is accepted.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var composed = NfkcNormalizer.Normalize(ReplaceLoneSurrogates(text));
        return composed.ToLowerInvariant();
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        var firstBad = FirstLoneSurrogate(text, 0);
        if (firstBad < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = firstBad; i >= 0; i = FirstLoneSurrogate(text, i + 1))
        {
            chars[i] = '\uFFFD';
        }

        return new string(chars);
    }

    private static int FirstLoneSurrogate(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }
}
