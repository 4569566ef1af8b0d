using System.CommandLine;
using Monitor.Keywords;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary><c>monitor check</c>: validates the configuration file; lists every problem with file:line:column.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Settings file", DefaultValueFactory = _ => new FileInfo("monitor.yaml") };
        var command = new Command("check", "Validate the settings file and the keyword dictionary it names; exit 1 with every problem listed.") { config };
        command.SetAction(result =>
        {
            var path = result.GetValue(config)!.FullName;
            var (settings, settingsErrors) = SettingsLoader.Load(path);
            var keywordsFile = settings.KeywordsFile ?? KeywordSetup.DefaultFile;
            var (keywords, keywordErrors) = KeywordSetup.Load(settings.KeywordsFile);
            var errors = settingsErrors.Concat(keywordErrors).ToArray();
            if (errors.Length > 0)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error);
                }

                Console.Error.WriteLine($"{errors.Length} problem(s) in {path} and {keywordsFile}");
                return 1;
            }

            Console.WriteLine($"{path}: ok (kafka {settings.KafkaBootstrapServers}, influx {(settings.Influx is { } influx ? $"{influx.Url} ({influx.Api})" : "off")}, step {settings.Engine.Step.TotalSeconds}s, {settings.Engine.Shops.Count} shop override(s)); {keywordsFile}: ok ({keywords!.Current.Count} keywords)");
            return 0;
        });
        return command;
    }
}
