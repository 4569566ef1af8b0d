using System.CommandLine;
using Monitor.Alerting;
using Monitor.Core.Alerts;
using Monitor.Settings;

namespace Monitor.Cli;

/// <summary>
/// <c>monitor notify-test --receiver NAME</c>: sends one test notification through one receiver
/// of the settings (a chat robot by its name, a webhook as <c>webhook</c>, <c>webhook2</c>, …, or
/// <c>alertmanager</c>) with the same sink, retries and secrets as <c>run</c>, and says whether it
/// was accepted, with the receiver's refusal (its code) when it was not; exit 0 when accepted.
/// </summary>
internal static class NotifyTestCommand
{
    /// <summary>The rule name of the test notification.</summary>
    public const string TestRule = "MonitorNotifyTest";

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Settings file", DefaultValueFactory = _ => new FileInfo("monitor.yaml") };
        var receiver = new Option<string>("--receiver") { Description = "The receiver's name (alerting.receivers[].name), webhook, webhook2, … or alertmanager", Required = true };
        var timeout = CliOptions.Duration("--timeout", "How long to keep trying, retries included (e.g. 20s)", TimeSpan.FromSeconds(20));
        var command = new Command("notify-test", "Send one test notification through a receiver of the settings and say whether it was accepted.") { config, receiver, timeout };
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            var path = result.GetValue(config)!.FullName;
            var (settings, errors) = SettingsLoader.Load(path);
            if (errors.Count > 0)
            {
                foreach (var problem in errors)
                {
                    error.WriteLine(problem);
                }

                return 1;
            }

            var name = result.GetValue(receiver)!;
            var alerting = settings.Alerting with { ShutdownTimeout = result.GetValue(timeout) };
            if (!AlertSinks.Names(alerting).Contains(name, StringComparer.Ordinal))
            {
                var known = string.Join(", ", AlertSinks.Names(alerting));
                error.WriteLine($"{path}: no receiver named '{name}' (configured: {(known.Length == 0 ? "none" : known)})");
                return 1;
            }

            // Only that one sink is made: the others stay untouched.
            using var logging = MonitorCommands.Logging();
            var sink = (HttpAlertSink)AlertSinks.Create(alerting, http: null, TimeProvider.System, metrics: null, logging, include: n => n == name).Single();

            var accepted = 0;
            sink.Accepted = _ => Interlocked.Exchange(ref accepted, 1);
            sink.Publish(TestChange(TimeProvider.System.GetUtcNow()));

            // Disposing sends what is waiting, with retries, within the timeout.
            await sink.DisposeAsync();
            if (Volatile.Read(ref accepted) == 1)
            {
                output.WriteLine($"{name}: the test notification was accepted");
                return 0;
            }

            error.WriteLine($"{name}: the test notification was not accepted (the lines above say why)");
            return 1;
        });
        return command;
    }

    /// <summary>The test notification: an info alert of a shop named <c>notify-test</c>, saying what it is.</summary>
    public static AlertChange TestChange(DateTimeOffset now)
    {
        var atMs = now.ToUnixTimeMilliseconds();
        return new AlertChange(
            AlertChangeKind.Fired,
            TestRule,
            $"{TestRule}|shop=notify-test",
            Severity.Info,
            [new("alertname", TestRule), new("service", "service-monitor"), new("severity", "info"), new("shop", "notify-test")],
            [new("summary", "Test notification from monitor notify-test: this receiver works")],
            1,
            1,
            atMs,
            atMs);
    }
}
