using System.Text.Json;

namespace Monitor.Simulation;

/// <summary>
/// Writes simulated events as JSON Lines for <c>monitor replay</c> (DESIGN §6): one event per line,
/// the event's JSON with a <c>"topic"</c> field added as its first property.
/// </summary>
public static class JsonlEventFile
{
    /// <summary>
    /// Creates (or replaces) <paramref name="path"/> and writes the events to it. Cancellation stops
    /// after a whole line; the file then holds a valid prefix.
    /// </summary>
    /// <returns>The number of lines written.</returns>
    public static long Write(string path, IEnumerable<SimulatedEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        return Write(file, events, cancellationToken);
    }

    /// <summary>Writes the events to <paramref name="output"/>, which stays open.</summary>
    /// <returns>The number of lines written.</returns>
    public static long Write(Stream output, IEnumerable<SimulatedEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(events);
        using var buffered = new BufferedStream(output, 1 << 16);
        long lines = 0;
        string? topic = null;
        var topicPrefix = Array.Empty<byte>();
        foreach (var e in events)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (!ReferenceEquals(e.Topic, topic))
            {
                topic = e.Topic;
                topicPrefix = [.. "{\"topic\":\""u8, .. JsonEncodedText.Encode(topic).EncodedUtf8Bytes, (byte)'"'];
            }

            WriteLine(buffered, topicPrefix, e.Json);
            lines++;
        }

        buffered.Flush();
        return lines;
    }

    /// <summary>The JSONL line of one event, newline included.</summary>
    public static byte[] ToLine(SimulatedEvent e)
    {
        using var line = new MemoryStream(e.Json.Length + 32);
        WriteLine(line, [.. "{\"topic\":\""u8, .. JsonEncodedText.Encode(e.Topic).EncodedUtf8Bytes, (byte)'"'], e.Json);
        return line.ToArray();
    }

    private static void WriteLine(Stream output, ReadOnlySpan<byte> topicPrefix, ReadOnlySpan<byte> json)
    {
        var open = json.IndexOf((byte)'{');
        if (open < 0)
        {
            throw new ArgumentException("An event's JSON must be an object.", nameof(json));
        }

        output.Write(topicPrefix);
        var rest = json[(open + 1)..];
        if (rest.TrimStart(" \t\r\n"u8).IndexOf((byte)'}') != 0)
        {
            output.WriteByte((byte)',');
        }

        output.Write(rest);
        output.WriteByte((byte)'\n');
    }
}
