using System.CommandLine;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary><c>monitor check</c>: validates the configuration file; lists every problem with file:line:column.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Settings file (default monitor.yaml)", DefaultValueFactory = _ => new FileInfo("monitor.yaml") };
        var command = new Command("check", "Validate the configuration file; exit 1 with every problem listed.") { config };
        command.SetAction(result =>
        {
            var path = result.GetValue(config)!.FullName;
            var (settings, errors) = SettingsLoader.Load(path);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error);
                }

                Console.Error.WriteLine($"{errors.Count} problem(s) in {path}");
                return 1;
            }

            Console.WriteLine($"{path}: ok (kafka {settings.KafkaBootstrapServers}, influx {(settings.Influx is { } influx ? $"{influx.Url} ({influx.Api})" : "off")}, step {settings.Engine.Step.TotalSeconds}s)");
            return 0;
        });
        return command;
    }
}
