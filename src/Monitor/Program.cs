using System.Globalization;
using Monitor.Cli;

// Output (line protocol, logs, the board, reports) reads the same whatever LANG says.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
return await MonitorCommands.Build().Parse(args).InvokeAsync();
