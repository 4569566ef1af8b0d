using System.CommandLine;

namespace Monitor.Cli;

/// <summary>The verbs of DESIGN §6.</summary>
public static class MonitorCommands
{
    /// <summary>The <c>monitor</c> root command with every verb: demo, run, replay, simulate, broker, check, notify-test and bench.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Service Monitor: real-time customer-service monitoring for e-commerce war rooms.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(BrokerCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(NotifyTestCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    internal static ILoggerFactory Logging(LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // stdout stays the verb's output
            .AddFilter("Microsoft", LogLevel.Warning)
            .SetMinimumLevel(minimum));

    /// <summary>Logging of a verb that shows a progress line: one line per entry to <paramref name="output"/> (a <see cref="StatusLine.Above"/> writer), never through the bar.</summary>
    internal static ILoggerFactory Logging(TextWriter output, LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder
            .AddProvider(new WriterLog(output, TimeProvider.System))
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning) // request lines carry full URLs
            .SetMinimumLevel(minimum));
}
