using System.Runtime.CompilerServices;

namespace Monitor.Core.Keywords;

/// <summary>
/// A compiled complaint-keyword dictionary (DESIGN §4): categories with a severity, every keyword
/// matched in one pass over the text by an Aho–Corasick automaton. Text and keywords are compared
/// after <see cref="KeywordText.Normalize"/> (NFKC, then invariant lower case), so full-width and
/// half-width forms and upper and lower case match each other. A keyword is reported at most once
/// per text; overlapping keywords (投诉 inside 要投诉) are each reported. Immutable and thread-safe.
/// </summary>
public sealed class KeywordDictionary
{
    private const int NoKeyword = -1;

    private readonly Keyword[] _keywords;

    // The automaton in flat arrays. Node 0 is the root. Edges of node n are
    // _edgeChars/_edgeTargets[_edgeStart[n] .. _edgeStart[n + 1]), sorted by char.
    private readonly int[] _edgeStart;
    private readonly char[] _edgeChars;
    private readonly int[] _edgeTargets;
    private readonly int[] _rootNext;

    // One bit per UTF-16 unit that occurs in some keyword (8 KB): any other character sends the
    // automaton back to the root without a lookup, which is most characters of most texts.
    private readonly ulong[] _keywordChars = new ulong[1024];
    private readonly int[] _fail;

    // The keyword that ends exactly at a node, and the nearest node on its failure chain that ends one.
    private readonly int[] _keywordAt;
    private readonly int[] _outputLink;

    private KeywordDictionary(IReadOnlyList<KeywordCategory> categories, Keyword[] keywords, Automaton automaton)
    {
        Categories = categories;
        _keywords = keywords;
        _edgeStart = automaton.EdgeStart;
        _edgeChars = automaton.EdgeChars;
        _edgeTargets = automaton.EdgeTargets;
        _rootNext = automaton.RootNext;
        foreach (var c in automaton.EdgeChars)
        {
            _keywordChars[c >> 6] |= 1UL << (c & 63);
        }
        _fail = automaton.Fail;
        _keywordAt = automaton.KeywordAt;
        _outputLink = automaton.OutputLink;
    }

    /// <summary>A dictionary with no keywords: matches nothing.</summary>
    public static KeywordDictionary Empty { get; } = Compile([]);

    /// <summary>The categories as compiled (keywords normalised, duplicates within a category removed).</summary>
    public IReadOnlyList<KeywordCategory> Categories { get; }

    /// <summary>Every keyword; <see cref="Keyword.Id"/> is its index here.</summary>
    public IReadOnlyList<Keyword> Keywords => _keywords;

    /// <summary>Number of keywords.</summary>
    public int Count => _keywords.Length;

    /// <summary>
    /// Compiles <paramref name="categories"/>. Keywords are normalised like texts; a keyword listed
    /// twice in one category counts once. Throws <see cref="KeywordDictionaryException"/> listing
    /// every problem: an empty or duplicate category name, an empty keyword, a keyword in two
    /// categories, an unknown severity.
    /// </summary>
    public static KeywordDictionary Compile(IEnumerable<KeywordCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var problems = new List<string>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        var categoryNames = new HashSet<string>(StringComparer.Ordinal);
        var compiled = new List<KeywordCategory>();
        var keywords = new List<Keyword>();
        foreach (var category in categories)
        {
            if (string.IsNullOrWhiteSpace(category.Name))
            {
                problems.Add("a category has an empty name");
                continue;
            }

            if (!categoryNames.Add(category.Name))
            {
                problems.Add($"category '{category.Name}' is defined twice");
                continue;
            }

            if (!Enum.IsDefined(category.Severity))
            {
                problems.Add($"category '{category.Name}' has an unknown severity {(int)category.Severity}");
            }

            var texts = new List<string>();
            foreach (var raw in category.Keywords)
            {
                var text = KeywordText.Normalize(raw ?? "").Trim();
                if (text.Length == 0)
                {
                    problems.Add($"category '{category.Name}' has an empty keyword");
                    continue;
                }

                if (owner.TryGetValue(text, out var first))
                {
                    if (first != category.Name)
                    {
                        problems.Add($"keyword '{text}' is in both categories '{first}' and '{category.Name}'");
                    }

                    continue;
                }

                owner.Add(text, category.Name);
                texts.Add(text);
                keywords.Add(new Keyword(keywords.Count, text, category.Name, category.Severity));
            }

            compiled.Add(category with { Keywords = texts });
        }

        if (problems.Count > 0)
        {
            throw new KeywordDictionaryException(problems);
        }

        var array = keywords.ToArray();
        return new KeywordDictionary(compiled, array, Automaton.Build(array));
    }

    /// <summary>The keywords found in <paramref name="text"/>, each once, in order of first occurrence.</summary>
    public IReadOnlyList<Keyword> Match(string text)
    {
        var hits = new List<Keyword>();
        Match(text, hits);
        return hits;
    }

    /// <summary>
    /// Appends the keywords found in <paramref name="text"/> to <paramref name="hits"/>, each once,
    /// in order of first occurrence, and returns how many were appended. Any string is accepted:
    /// lone surrogates are matched as U+FFFD.
    /// </summary>
    public int Match(string text, List<Keyword> hits)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Match(text.AsSpan(), hits);
    }

    /// <summary>As <see cref="Match(string, List{Keyword})"/>, for text that is not a string (the decoder's buffer).</summary>
    public int Match(ReadOnlySpan<char> text, List<Keyword> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (_keywords.Length == 0 || text.Length == 0)
        {
            return 0;
        }

        // Most texts normalise character by character: no normalised copy is built for them.
        var charwise = KeywordText.IsCharwiseStable(text);
        var normalized = charwise ? text : KeywordText.Normalize(new string(text)).AsSpan();
        var start = hits.Count;
        HashSet<int>? seen = null;
        var state = 0;
        foreach (var raw in normalized)
        {
            var c = charwise ? KeywordText.MapStable(raw) : raw;
            if ((_keywordChars[c >> 6] & (1UL << (c & 63))) == 0)
            {
                state = 0;
                continue;
            }

            state = Next(state, c);
            for (var node = _keywordAt[state] != NoKeyword ? state : _outputLink[state]; node > 0; node = _outputLink[node])
            {
                var id = _keywordAt[node];
                if (IsNew(id, hits, start, ref seen))
                {
                    hits.Add(_keywords[id]);
                }
            }
        }

        return hits.Count - start;
    }

    /// <summary>Few keywords hit one text: a scan of the hits so far beats a set until there are many.</summary>
    private static bool IsNew(int id, List<Keyword> hits, int start, ref HashSet<int>? seen)
    {
        if (seen is not null)
        {
            return seen.Add(id);
        }

        for (var i = start; i < hits.Count; i++)
        {
            if (hits[i].Id == id)
            {
                return false;
            }
        }

        if (hits.Count - start >= 16)
        {
            seen = [];
            for (var i = start; i < hits.Count; i++)
            {
                seen.Add(hits[i].Id);
            }

            seen.Add(id);
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Next(int state, char c)
    {
        while (state != 0)
        {
            var target = Edge(state, c);
            if (target > 0)
            {
                return target;
            }

            state = _fail[state];
        }

        return _rootNext[c];
    }

    private int Edge(int node, char c)
    {
        var lo = _edgeStart[node];
        var hi = _edgeStart[node + 1] - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var at = _edgeChars[mid];
            if (at == c)
            {
                return _edgeTargets[mid];
            }

            if (at < c)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return 0;
    }

    /// <summary>The automaton's arrays, built from a trie of the keywords with breadth-first failure links.</summary>
    private sealed class Automaton
    {
        public required int[] EdgeStart { get; init; }
        public required char[] EdgeChars { get; init; }
        public required int[] EdgeTargets { get; init; }
        public required int[] RootNext { get; init; }
        public required int[] Fail { get; init; }
        public required int[] KeywordAt { get; init; }
        public required int[] OutputLink { get; init; }

        public static Automaton Build(Keyword[] keywords)
        {
            var children = new List<Dictionary<char, int>> { new() };
            var keywordAt = new List<int> { NoKeyword };
            foreach (var keyword in keywords)
            {
                var node = 0;
                foreach (var c in keyword.Text)
                {
                    if (!children[node].TryGetValue(c, out var next))
                    {
                        next = children.Count;
                        children.Add([]);
                        keywordAt.Add(NoKeyword);
                        children[node].Add(c, next);
                    }

                    node = next;
                }

                keywordAt[node] = keyword.Id;
            }

            var count = children.Count;
            var edgeStart = new int[count + 1];
            var edgeChars = new char[count - 1];
            var edgeTargets = new int[count - 1];
            var position = 0;
            for (var node = 0; node < count; node++)
            {
                edgeStart[node] = position;
                foreach (var (c, target) in children[node].OrderBy(e => e.Key))
                {
                    edgeChars[position] = c;
                    edgeTargets[position] = target;
                    position++;
                }
            }

            edgeStart[count] = position;

            // Root transitions as a dense table: the root is where most characters of a text land.
            var rootNext = new int[char.MaxValue + 1];
            foreach (var (c, target) in children[0])
            {
                rootNext[c] = target;
            }

            var fail = new int[count];
            var outputLink = new int[count];
            var keywordAtArray = keywordAt.ToArray();
            var queue = new Queue<int>();
            foreach (var (_, target) in children[0])
            {
                queue.Enqueue(target);
            }

            while (queue.Count > 0)
            {
                var node = queue.Dequeue();
                foreach (var (c, target) in children[node])
                {
                    var f = fail[node];
                    int next;
                    while (true)
                    {
                        next = f == 0 ? rootNext[c] : (children[f].TryGetValue(c, out var t) ? t : 0);
                        if (next != 0 || f == 0)
                        {
                            break;
                        }

                        f = fail[f];
                    }

                    fail[target] = next;
                    outputLink[target] = keywordAtArray[next] != NoKeyword ? next : outputLink[next];
                    queue.Enqueue(target);
                }
            }

            return new Automaton
            {
                EdgeStart = edgeStart,
                EdgeChars = edgeChars,
                EdgeTargets = edgeTargets,
                RootNext = rootNext,
                Fail = fail,
                KeywordAt = keywordAtArray,
                OutputLink = outputLink,
            };
        }
    }
}

/// <summary>The dictionary in force; <see cref="Replace"/> swaps it atomically, so a reload needs no restart.</summary>
public sealed class KeywordDictionaryHolder(KeywordDictionary initial)
{
    private KeywordDictionary _current = initial;

    /// <summary>The dictionary in force now; read it once per text, it may be swapped at any time.</summary>
    public KeywordDictionary Current => Volatile.Read(ref _current);

    /// <summary>Puts <paramref name="next"/> in force for every text matched from now on (a reload; any thread).</summary>
    public void Replace(KeywordDictionary next) => Volatile.Write(ref _current, next);
}
