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
    /// problems listed (file:line:column) when the file is invalid, or when the runtime cannot
    /// normalise Unicode (<see cref="KeywordText.Unavailable"/>): every command that matches
    /// keywords then refuses to start with that one message.
    /// </summary>
    public static (KeywordDictionaryHolder? Holder, IReadOnlyList<SettingsError> Errors) Load(string? file)
    {
        var path = file ?? DefaultFile;
        if (KeywordText.Unavailable() is { } reason)
        {
            return (null, [new SettingsError(path, 0, 0, reason)]);
        }

        var (dictionary, errors) = KeywordDictionaryLoader.Load(path);
        return dictionary is null ? (null, errors) : (new KeywordDictionaryHolder(dictionary), errors);
    }
}
