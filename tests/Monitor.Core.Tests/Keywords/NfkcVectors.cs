namespace Monitor.Core.Tests.Keywords;

/// <summary>
/// NFKC reference vectors from Python's unicodedata (Unicode 14.0.0), 30 of them, a spec of what keyword text normalisation does: "input code points|NFKC code
/// points", hex. Random strings over full-width forms, half-width kana, Hangul and jamo, enclosed
/// and compatibility ideographs, Kangxi radicals, mathematical letters and combining marks.
/// </summary>
internal static class NfkcVectors
{
    public static readonly string[] All =
    [
        "1CD FF48 11DB|1CD 68 11DB",
        "3353 3017 1100 F925 FFEB|30EB 30D4 30FC 3017 1100 62C9 2192",
        "353 1161 1D4AD F9DB FF60 F9AB FA57|353 1161 1D4AD 7387 2986 5DBA 7DF4",
        "34F 1D421 24D5 339B 30F 2463 33CA|34F 68 66 3BC 6D 30F 34 68 61",
        "F9E7 2F50 F9C1 F9B6 213|88CF 6BD4 7642 79AE 213",
        "366 F81 2F4D 3272 1145 11EB 1188|F71 F80 366 6B79 B9C8 1145 11EB 1188",
        "F927 F965 3397|881F 4FBF 64 6C",
        "24D2|63",
        "33DA 33D2 3034 FA2B|50 52 6C 6F 67 3034 98FC",
        "1D43A 1D4CD FACF|47 78 2284A",
        "FA84 FB3F 2F76|5F69 FB3F 7C73",
        "318 FB14 1D4D9 5F 35B 115B|318 574 565 4A 5F 35B 115B",
        "FB33 D3E4 F9C1 1D403|5D3 5BC D3E4 7642 44",
        "3099 334F AF9D 2496|3099 30E4 30FC 30EB AF9D 31 35 2E",
        "C6BD D272 1D417 FFCD 1D40D 1E8 2A FABD|C6BD D272 58 116A 4E 1E8 2A 8AFE",
        "33C 31E 32FE D2 124 323D 2F54|33C 31E 30F2 D2 124 28 4F01 29 6C34",
        "329 1D41A F9F7 117 F9D6 357|329 61 7ACB 117 6DEA 357",
        "242 24B9 1117|242 44 1117",
        "132|49 4A",
        "A0|20",
        "30CE 247C 155 F2 BF39 112A 2A|30CE 28 39 29 155 F2 BF39 112A 2A",
        "EC 30FF 11A3 2C|EC 30B3 30C8 11A3 2C",
        "1D48D F72|6C F72",
        "119A 3322 FF7B E2 3090 A0|119A 30BB 30F3 30C1 30B5 E2 3090 20",
        "1D450 EE 117C 3054 24FA FA49|63 EE 117C 3054 24FA 722B",
        "FA49 154 304|722B 154 304",
        "190 10A 3092 301C FF35|190 10A 3092 301C 55",
        "315 2F6C 30C2 11B5 314 FB33 3067 FF33|315 76EE 30C2 11B5 314 5D3 5BC 3067 53",
        "F9A2 319 3352 200 2FAF 11A3|5EC9 319 30EA 30E9 200 9762 11A3",
        "1D49F 32FE 24CD 1D458 CA10 248 1134 231|44 30F2 58 6B CA10 248 1134 231",
    ];
}
