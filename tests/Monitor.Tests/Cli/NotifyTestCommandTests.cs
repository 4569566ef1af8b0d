using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Monitor.Cli;
using Monitor.Servers;

namespace Monitor.Tests.Cli;

/// <summary>
/// Issue 14: <c>monitor notify-test --receiver NAME</c> sends one test notification through the
/// receiver the settings name, as <c>run</c> would (signed, from its secret file), against a local
/// HTTP receiver on 127.0.0.1 that answers as DingTalk does.
/// </summary>
public sealed class NotifyTestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("monitor-notify-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> NotifyTestAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exitCode = await MonitorCommands.Build().Parse(["notify-test", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private string Settings(string url)
    {
        File.WriteAllText(Path.Combine(_directory, "robot-url"), url);
        File.WriteAllText(Path.Combine(_directory, "robot-secret"), "SEC-notify-test");
        var path = Path.Combine(_directory, "monitor.yaml");
        File.WriteAllText(path, """
            alerting:
              receivers:
                - name: war-room
                  type: dingtalk
                  urlFile: robot-url
                  secretFile: robot-secret
            """);
        return path;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(310000, 1)]
    public async Task ATestNotification_ReachesTheReceiver_Signed_AndTheExitCodeSaysWhetherItWasAccepted(int errcode, int exitCode)
    {
        var port = FreeTcpPort.Next();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/robot/");
        listener.Start();
        var received = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var query = context.Request.QueryString;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"errcode":{{errcode}},"errmsg":"as scripted"}"""));
            context.Response.Close();
            return (Body: body, Timestamp: query["timestamp"], Sign: query["sign"], Token: query["access_token"]);
        });

        var (exit, output, error) = await NotifyTestAsync("--config", Settings($"http://127.0.0.1:{port}/robot/send?access_token=notify-token"), "--receiver", "war-room", "--timeout", "5s");

        var arrived = await Task.WhenAny(received, Task.Delay(TimeSpan.FromSeconds(10))) == received;
        Assert.True(arrived, $"nothing reached the receiver; exit {exit}:\n{output}\n{error}");
        var request = await received;
        Assert.Equal(exitCode, exit);
        Assert.Equal("notify-token", request.Token);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("SEC-notify-test"), Encoding.UTF8.GetBytes($"{request.Timestamp}\nSEC-notify-test")));
        Assert.Equal(expected, request.Sign);
        var text = JsonDocument.Parse(request.Body).RootElement.GetProperty("markdown").GetProperty("text").GetString()!;
        Assert.Contains("MonitorNotifyTest shop **notify-test**", text, StringComparison.Ordinal);
        if (exitCode == 0)
        {
            Assert.Contains("war-room: the test notification was accepted", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("war-room: the test notification was not accepted", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnUnknownReceiver_IsNamedWithTheOnesConfigured()
    {
        var (exit, _, error) = await NotifyTestAsync("--config", Settings("http://127.0.0.1:9/robot/send?access_token=t"), "--receiver", "nope");
        Assert.Equal(1, exit);
        Assert.Contains("no receiver named 'nope' (configured: war-room)", error, StringComparison.Ordinal);
    }
}
