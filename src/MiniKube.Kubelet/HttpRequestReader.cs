using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MiniKube.Kubelet;

/// <summary>
/// Reads an HTTP/1.1 request from a connection: the request line and headers (at most 32 KiB, within 30 s), the query
/// string, and the body by Content-Length or chunked (at most 1 MiB), answering <c>Expect: 100-continue</c>.
/// </summary>
internal static class HttpRequestReader
{
    private const int MaxHeadBytes = 32 * 1024;
    private const int MaxBodyBytes = 1024 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A request as read, or the status and message to refuse it with.</summary>
    public sealed record ParsedRequest(string? Method, string? Path, Dictionary<string, string>? Query, byte[]? Body, (int Status, string Message)? Error)
    {
        /// <summary>The request's headers (names case-insensitive).</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

        /// <summary>The query string as sent (without <c>?</c>), for parameters that repeat (<c>command=a&amp;command=b</c>).</summary>
        public string RawQuery { get; init; } = "";
    }

    /// <summary>Reads one request (head and body) from the connection; a request it refuses comes back with its error.</summary>
    public static async Task<ParsedRequest> ReadAsync(Stream stream, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(HeadTimeout);
        var ct = timeout.Token;
        var buffer = new byte[8192];
        var filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxHeadBytes)
                {
                    return new ParsedRequest(null, null, null, null, (431, "request head too large"));
                }
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the client closed the connection before sending a request");
            }
            filled += read;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, headEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !requestLine[1].StartsWith('/'))
        {
            return new ParsedRequest(null, null, null, null, (400, "malformed request line"));
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return new ParsedRequest(null, null, null, null, (400, "malformed header line"));
            }
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var target = requestLine[1];
        var questionMark = target.IndexOf('?', StringComparison.Ordinal);
        var path = questionMark < 0 ? target : target[..questionMark];
        var rawQuery = questionMark < 0 ? "" : target[(questionMark + 1)..];
        var query = ParseQuery(rawQuery);

        // Bytes already read past the head belong to the body.
        var rest = new BufferedBody(buffer, headEnd + 4, filled, stream);
        if (headers.TryGetValue("Expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var chunked = await ReadChunkedAsync(rest, ct).ConfigureAwait(false);
            if (chunked is null)
            {
                return new ParsedRequest(null, null, null, null, (413, $"request body over {MaxBodyBytes} bytes or malformed chunks"));
            }
            body = chunked;
        }
        else if (headers.TryGetValue("Content-Length", out var lengthText))
        {
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > MaxBodyBytes)
            {
                return new ParsedRequest(null, null, null, null, (413, $"request body over {MaxBodyBytes} bytes"));
            }
            body = await rest.ReadExactlyAsync(length, ct).ConfigureAwait(false);
        }
        else
        {
            body = [];
        }
        return new ParsedRequest(requestLine[0], path, query, body, null) { Headers = headers, RawQuery = rawQuery };
    }

    private static async Task<byte[]?> ReadChunkedAsync(BufferedBody rest, CancellationToken ct)
    {
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var sizeLine = await rest.ReadLineAsync(ct).ConfigureAwait(false);
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            if (!int.TryParse(semicolon < 0 ? sizeLine : sizeLine[..semicolon], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)
                || size < 0 || body.WrittenCount + size > MaxBodyBytes)
            {
                return null;
            }
            if (size == 0)
            {
                // Trailer fields, if any, up to the empty line.
                while ((await rest.ReadLineAsync(ct).ConfigureAwait(false)).Length > 0)
                {
                }
                return body.WrittenSpan.ToArray();
            }
            body.Write(await rest.ReadExactlyAsync(size, ct).ConfigureAwait(false));
            if ((await rest.ReadLineAsync(ct).ConfigureAwait(false)).Length != 0)
            {
                return null;
            }
        }
    }

    /// <summary>Every value of a query parameter, in order (<c>command=sh&amp;command=-c</c> → <c>["sh", "-c"]</c>).</summary>
    public static IReadOnlyList<string> QueryValues(string rawQuery, string key) =>
        [.. rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => (Pair: pair, Eq: pair.IndexOf('=', StringComparison.Ordinal)))
            .Where(p => Uri.UnescapeDataString((p.Eq < 0 ? p.Pair : p.Pair[..p.Eq]).Replace('+', ' ')) == key)
            .Select(p => p.Eq < 0 ? "" : Uri.UnescapeDataString(p.Pair[(p.Eq + 1)..].Replace('+', ' ')))];

    private static Dictionary<string, string> ParseQuery(string text)
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            query[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }
        return query;
    }

    /// <summary>The request body: what was read with the head, then the connection.</summary>
    private sealed class BufferedBody(byte[] buffer, int start, int end, Stream stream)
    {
        private int _start = start;

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start < end)
            {
                return true;
            }
            var read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }
            _start = 0;
            end = read;
            return true;
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var done = 0;
            while (done < count)
            {
                if (!await FillAsync(ct).ConfigureAwait(false))
                {
                    throw new IOException("the client closed the connection in the middle of the body");
                }
                var n = Math.Min(count - done, end - _start);
                buffer.AsSpan(_start, n).CopyTo(result.AsSpan(done));
                _start += n;
                done += n;
            }
            return result;
        }

        public async Task<string> ReadLineAsync(CancellationToken ct)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (!await FillAsync(ct).ConfigureAwait(false))
                {
                    throw new IOException("the client closed the connection in the middle of the body");
                }
                var b = buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }
                if (line.Length > 1024)
                {
                    throw new IOException("a chunk line is too long");
                }
                line.Append((char)b);
            }
        }
    }
}
