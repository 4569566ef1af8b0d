using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Monitor.Servers;

namespace Monitor.IntegrationTests;

/// <summary>`logging.format: json`: every line `monitor run` writes to stdout is one JSON object a log shipper can parse.</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task Run_WithJsonFormat_WritesOnlyJsonLines_WithUtcTimestampLevelCategoryAndMessage()
    {
        var directory = Directory.CreateTempSubdirectory("monitor-log-format-").FullName;
        try
        {
            var settings = Path.Combine(directory, "monitor.yaml");
            await File.WriteAllTextAsync(settings, $"""
                kafka:
                  bootstrapServers: 127.0.0.1:{FreeTcpPort.Next()}
                logging:
                  format: json
                metrics:
                  listen: http://127.0.0.1:{FreeTcpPort.Next()}
                """);
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "monitor.dll"), "run", "--config", settings])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = directory,
            };
            using var process = Process.Start(start)!;
            var lines = new List<string>();
            try
            {
                // The start-up lines and the broker's refusals: enough to see the format, bounded in time.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (lines.Count < 5 && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    lines.Add(line);
                }
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            Assert.Equal(5, lines.Count);
            foreach (var line in lines)
            {
                using var entry = JsonDocument.Parse(line);
                var root = entry.RootElement;
                Assert.True(DateTimeOffset.TryParseExact(root.GetProperty("Timestamp").GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), line);
                Assert.Contains(root.GetProperty("LogLevel").GetString(), new[] { "Trace", "Debug", "Information", "Warning", "Error", "Critical" });
                Assert.False(string.IsNullOrEmpty(root.GetProperty("Category").GetString()), line);
                Assert.False(string.IsNullOrEmpty(root.GetProperty("Message").GetString()), line);
            }

            Assert.Contains(lines, line => line.Contains("\"Message\":\"Serving http://127.0.0.1:", StringComparison.Ordinal));
        }
        finally
        {
            ServerProcess.TryDeleteDirectory(directory);
        }
    }
}
