using Monitor.Core.Keywords;

namespace Monitor.Core.Tests.Keywords;

/// <summary>The keyword matcher's fast path: a text of context-free characters normalises character by character to the full NFKC + lower-case result.</summary>
public sealed class CharwiseNormalisationTests
{
    [Fact]
    public void EveryStableCharacter_MapsToItsFullNormalForm()
    {
        var stable = Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(c => !char.IsSurrogate(c) && KeywordText.IsCharwiseStable([c])).ToList();
        Assert.Contains('你', stable);
        Assert.Contains('Ａ', stable);
        Assert.DoesNotContain('\u3099', stable); // a combining mark: left to the full path
        foreach (var c in stable)
        {
            Assert.Equal(KeywordText.Normalize(c.ToString()), KeywordText.MapStable(c).ToString());
        }

        // Supplementary characters pass as their pair, unchanged.
        var emoji = 0;
        for (var cp = 0x10000; cp <= 0x1FFFF; cp++)
        {
            var text = char.ConvertFromUtf32(cp);
            if (KeywordText.IsCharwiseStable(text))
            {
                emoji++;
                Assert.Equal(KeywordText.Normalize(text), text);
            }
        }

        Assert.True(emoji >= 0x1FAFF - 0x1F300, $"only {emoji} supplementary characters pass");
    }

    [Fact]
    public void RandomStableTexts_NormaliseCharacterByCharacter_AndMatchTheSameKeywords()
    {
        var random = new Random(12315);
        string[] alphabet = ["a", "b", "c", "X", "Y", "Z", " ", "0", "1", "2", ",", ".", "!", "?", "投", "诉", "差", "评", "破", "损", "退", "款", "曝", "光",
            "Ａ", "ｂ", "１", "２", "！", "，", "、", "。", "\u0085", "\u3000", "❤", "\uFE0F", "😡", "👍", "🙏"];
        var dictionary = KeywordDictionary.Compile([new KeywordCategory("c", KeywordSeverity.Critical, ["投诉", "ab", "12", "差评!", "退款,"])]);
        for (var run = 0; run < 5_000; run++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            Assert.True(KeywordText.IsCharwiseStable(text));
            var normalized = KeywordText.Normalize(text);
            Assert.Equal(normalized, new string(text.Select(KeywordText.MapStable).ToArray()));

            // The same hits as matching the fully normalised text with a character the fast path refuses.
            var slow = dictionary.Match(normalized + "\u3099").Select(k => k.Text);
            Assert.Equal(slow, dictionary.Match(text).Select(k => k.Text));
        }
    }
}
