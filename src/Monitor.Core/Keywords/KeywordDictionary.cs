namespace Monitor.Core.Keywords;

/// <summary>A compiled complaint-keyword dictionary (categories with severities, keywords matched in one pass).</summary>
public sealed class KeywordDictionary
{
    public static KeywordDictionary Empty { get; } = new();
}

/// <summary>The dictionary in force; <see cref="Replace"/> swaps it atomically, so a reload needs no restart.</summary>
public sealed class KeywordDictionaryHolder(KeywordDictionary initial)
{
    private KeywordDictionary _current = initial;

    public KeywordDictionary Current => Volatile.Read(ref _current);

    public void Replace(KeywordDictionary next) => Volatile.Write(ref _current, next);
}
