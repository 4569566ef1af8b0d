using Monitor.Core.Events;

namespace Monitor.Replay;

/// <summary>One line of a replay file: its bytes and where it came from.</summary>
/// <param name="BytesRead">Bytes of all the files read up to the end of this line (for progress against their total size).</param>
public readonly record struct JsonlLine(string File, long LineNumber, string? FileTopic, byte[] Bytes, long BytesRead = 0);

/// <summary>
/// Reads JSONL files (DESIGN §6): one event per line; the topic comes from the event's
/// <c>topic</c> field or from a file name starting with chats, calls, orders or agents.
/// Blank lines are skipped; lines are split on '\n' in bytes, so invalid UTF-8 reaches the
/// decoder intact and is rejected there with its line number.
/// </summary>
public static class JsonlSource
{
    /// <summary>The topic a file name starts with (chats, calls, orders or agents, any case; <c>orders-day1.jsonl</c> gives orders), or null when it starts with none.</summary>
    public static string? TopicFromFileName(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var topic in Names.TopicNames)
        {
            if (name.StartsWith(topic, StringComparison.OrdinalIgnoreCase))
            {
                return topic;
            }
        }

        return null;
    }

    /// <summary>The non-blank lines of <paramref name="files"/>, in order, read lazily one file after another; a trailing <c>\r</c> is dropped.</summary>
    public static IEnumerable<JsonlLine> Read(IEnumerable<string> files)
    {
        long before = 0; // bytes of the files already read
        foreach (var file in files)
        {
            var topic = TopicFromFileName(file);
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var buffer = new byte[1 << 16];
            var pending = new MemoryStream();
            long lineNumber = 0;
            long consumed = 0; // bytes of this file before the buffer
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }

                    lineNumber++;
                    pending.Write(buffer, start, i - start);
                    if (Line(pending) is { } bytes)
                    {
                        yield return new JsonlLine(file, lineNumber, topic, bytes, before + consumed + i + 1);
                    }

                    pending.SetLength(0);
                    start = i + 1;
                }

                pending.Write(buffer, start, read - start);
                consumed += read;
            }

            if (pending.Length > 0)
            {
                lineNumber++;
                if (Line(pending) is { } last)
                {
                    yield return new JsonlLine(file, lineNumber, topic, last, before + consumed);
                }
            }

            before += consumed;
        }
    }

    private static byte[]? Line(MemoryStream pending)
    {
        var span = pending.GetBuffer().AsSpan(0, (int)pending.Length);
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        return span.Trim((byte)' ').IsEmpty ? null : span.ToArray();
    }
}
