using Monitor.Core.Keywords;

namespace Monitor.Core.Tests.Keywords;

/// <summary>The one-pass matcher of DESIGN §4: NFKC, case folding, once per text, overlaps.</summary>
public sealed class KeywordDictionaryTests
{
    private static KeywordDictionary Dictionary(params (string Category, KeywordSeverity Severity, string[] Keywords)[] categories) =>
        KeywordDictionary.Compile(categories.Select(c => new KeywordCategory(c.Category, c.Severity, c.Keywords)));

    private static KeywordDictionary Default() => Dictionary(
        ("regulator", KeywordSeverity.Critical, ["12315", "消协"]),
        ("complaint", KeywordSeverity.Warning, ["投诉", "要投诉", "complaint"]),
        ("refund", KeywordSeverity.Info, ["refund", "refund request", "退款"]));

    private static string[] Hits(KeywordDictionary dictionary, string text) =>
        dictionary.Match(text).Select(k => k.Text).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Normalize_FoldsFullWidthAndCase_CompatibilityAndCase()
    {
        Assert.Equal("refund 12315", KeywordText.Normalize("ＲＥＦＵＮＤ １２３１５"));
        Assert.Equal("ガ", KeywordText.Normalize("ｶﾞ"));
        Assert.Equal("é", KeywordText.Normalize("E\u0301"));
        Assert.Equal("(株)", KeywordText.Normalize("㈱"));
        Assert.Equal("人", KeywordText.Normalize("\u2F08"));
        Assert.Equal("refund", KeywordText.Normalize("𝐑𝐄𝐅𝐔𝐍𝐃"));
        Assert.Equal("1", KeywordText.Normalize("①"));
        Assert.Equal("한", KeywordText.Normalize("\u1112\u1161\u11AB"));
    }

    [Fact]
    public void Normalize_ReplacesWhatTheRuntimeRejects_WithTheReplacementCharacter()
    {
        Assert.Equal("\uFFFDabc\uFFFD", KeywordText.Normalize("\uD800abc\uFFFE"));
        Assert.Equal("😡", KeywordText.Normalize("😡"));
    }

    [Fact]
    public void Normalisation_IsAvailable_WhereIcuIsInstalled()
    {
        Assert.Null(KeywordText.Unavailable());
    }

    [Fact]
    public void Nfkc_AgreesWithReferenceVectors()
    {
        foreach (var vector in NfkcVectors.All)
        {
            var parts = vector.Split('|');
            var input = Decode(parts[0]);
            var expected = Decode(parts[1]);

            Assert.True(expected.ToLowerInvariant() == KeywordText.Normalize(input), $"NFKC of {parts[0]} should be {parts[1]}");
        }

        static string Decode(string hex) => string.Concat(hex.Split(' ').Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16))));
    }

    [Fact]
    public void FullWidthAndHalfWidth_MatchEachOther()
    {
        var dictionary = Default();

        Assert.Equal(["12315", "refund"], Hits(dictionary, "我要打１２３１５，ＲＥＦＵＮＤ now"));
        Assert.Equal(["12315"], Hits(Dictionary(("regulator", KeywordSeverity.Critical, ["１２３１５"])), "call 12315"));
    }

    [Fact]
    public void Case_IsFolded_InTextAndKeywords()
    {
        var dictionary = Dictionary(("payments", KeywordSeverity.Critical, ["ChargeBack"]));

        Assert.Equal(["chargeback"], Hits(dictionary, "I will file a CHARGEBACK"));
        Assert.Equal("chargeback", dictionary.Keywords[0].Text);
    }

    [Fact]
    public void OverlappingKeywords_AllCount()
    {
        var dictionary = Default();

        Assert.Equal(["投诉", "要投诉"], Hits(dictionary, "我要投诉你们"));
        Assert.Equal(["refund", "refund request"], Hits(dictionary, "my refund request was ignored"));
    }

    [Fact]
    public void EachKeyword_CountsOncePerText()
    {
        var dictionary = Default();

        var hits = dictionary.Match("投诉投诉投诉 refund REFUND ｒｅｆｕｎｄ 投诉");

        Assert.Equal(["投诉", "refund"], hits.Select(h => h.Text).ToArray());
    }

    [Fact]
    public void Hits_CarryCategoryAndSeverity()
    {
        var hit = Assert.Single(Default().Match("打12315"));

        Assert.Equal("regulator", hit.Category);
        Assert.Equal(KeywordSeverity.Critical, hit.Severity);
    }

    [Theory]
    [InlineData("\uD800abc")]
    [InlineData("abc\uDC00")]
    [InlineData("\uDC00\uD800投诉\uD800")]
    [InlineData("\uFFFE投诉\uFFFE")]
    [InlineData("😡😡 投诉 👎🏻 ＲＥＦＵＮＤ 🇨🇳")]
    [InlineData("")]
    public void EmojiAndInvalidSurrogates_DoNotCrash(string text)
    {
        var dictionary = Default();

        var hits = dictionary.Match(text);

        Assert.Equal(text.Contains("投诉") ? 1 : 0, hits.Count(h => h.Text == "投诉"));
    }

    [Fact]
    public void VeryLongText_IsMatchedInOnePass()
    {
        var dictionary = Default();
        var text = string.Concat(Enumerable.Repeat("好好好好好 ref", 200_000)) + "refund";

        Assert.Equal(["refund"], Hits(dictionary, text));
    }

    [Fact]
    public void KeywordInTwoCategories_IsRejected_WithBothNames()
    {
        var ex = Assert.Throws<KeywordDictionaryException>(() => Dictionary(
            ("complaint", KeywordSeverity.Warning, ["投诉"]),
            ("regulator", KeywordSeverity.Critical, ["投诉"])));

        Assert.Contains("'投诉' is in both categories 'complaint' and 'regulator'", ex.Message);
    }

    [Fact]
    public void EmptyKeyword_IsRejected()
    {
        var ex = Assert.Throws<KeywordDictionaryException>(() => Dictionary(("complaint", KeywordSeverity.Warning, ["投诉", "  "])));

        Assert.Contains("empty keyword", ex.Message);
    }

    [Fact]
    public void Empty_MatchesNothing()
    {
        Assert.Empty(KeywordDictionary.Empty.Match("投诉 12315"));
        Assert.Equal(0, KeywordDictionary.Empty.Count);
    }

    [Fact]
    public void TenThousandKeywords_MatchLikeBruteForce_OnRandomTexts()
    {
        var random = new Random(20241111);

        // A small alphabet (with full-width and upper-case variants) makes overlaps and hits common.
        const string alphabet = "ab投诉退款Ａｂ12１";
        string RandomString(int min, int max)
        {
            var chars = new char[random.Next(min, max + 1)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            return new string(chars);
        }

        var unique = new HashSet<string>(StringComparer.Ordinal);
        while (unique.Count < 10_000)
        {
            var keyword = KeywordText.Normalize(RandomString(1, 9));
            unique.Add(keyword);
        }

        var keywords = unique.ToArray();
        var categories = keywords.Chunk(1_000).Select((chunk, i) => new KeywordCategory($"c{i}", KeywordSeverity.Warning, chunk));
        var dictionary = KeywordDictionary.Compile(categories);
        Assert.Equal(10_000, dictionary.Count);

        var found = 0;
        for (var round = 0; round < 300; round++)
        {
            var text = RandomString(0, 60);
            var normalized = KeywordText.Normalize(text);
            var expected = keywords.Where(k => normalized.Contains(k, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

            var actual = Hits(dictionary, text);

            Assert.Equal(expected, actual);
            found += expected.Length;
        }

        Assert.True(found > 1_000, $"the oracle found only {found} hits: the test texts are too easy");
    }
}
