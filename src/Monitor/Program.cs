using Monitor.Cli;

return await MonitorCommands.Build().Parse(args).InvokeAsync();
