using Monitor.Core.Keywords;
using Monitor.Settings;

namespace Monitor.Keywords;

/// <summary>Finds and loads the complaint keyword dictionary for a command.</summary>
public static class KeywordSetup
{
    /// <summary>The shipped default dictionary, copied beside the executable (config/keywords.yaml).</summary>
    public static string DefaultFile => Path.Combine(AppContext.BaseDirectory, "config", "keywords.yaml");

    /// <summary>
    /// Loads <paramref name="file"/> (or the default). Returns the holder, or null with the
    /// problems listed (file:line:column) when the file is invalid.
    /// </summary>
    public static (KeywordDictionaryHolder? Holder, IReadOnlyList<SettingsError> Errors) Load(string? file)
    {
        var path = file ?? DefaultFile;
        var (dictionary, errors) = KeywordDictionaryLoader.Load(path);
        return dictionary is null ? (null, errors) : (new KeywordDictionaryHolder(dictionary), errors);
    }
}
