using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>The kubelet's HTTP/1.1 server against .NET's HttpClient (what the API server's proxy uses) and raw sockets.</summary>
public sealed class SocketHttpServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Serves_paths_queries_and_bodies_sent_with_a_length_or_chunked()
    {
        await using var server = Start(async x =>
        {
            var text = $"{x.Method} [{string.Join('|', x.Segments)}] follow={x.Query.GetValueOrDefault("follow")} tail={x.Query.GetValueOrDefault("tailLines")} " +
                $"body={Encoding.UTF8.GetString(x.Body)}";
            await x.RespondTextAsync(200, text);
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };

        Assert.Equal("GET [containerLogs|ns|my pod|c] follow=true tail=5 body=",
            await http.GetStringAsync("/containerLogs/ns/my%20pod/c?follow=true&tailLines=5"));
        // JsonContent has no length: HttpClient sends it chunked, as the API server's exec proxy does.
        using var chunked = await http.PostAsync("/exec/ns/p/c", JsonContent.Create(new { command = new[] { "ls", "/" } }));
        Assert.Equal("POST [exec|ns|p|c] follow= tail= body={\"command\":[\"ls\",\"/\"]}", await chunked.Content.ReadAsStringAsync());
        using var sized = await http.PostAsync("/exec/ns/p/c", new StringContent("plain body"));
        Assert.Equal("POST [exec|ns|p|c] follow= tail= body=plain body", await sized.Content.ReadAsStringAsync());
        Assert.Equal("text/plain; charset=utf-8", sized.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_its_streamed_response()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Start(async x =>
        {
            await using var body = await x.StartStreamingAsync("text/plain; charset=utf-8");
            await body.WriteAsync("first line\n"u8.ToArray(), x.Aborted);
            try
            {
                // A followed log of a quiet container: nothing more is written until the client is gone.
                await Task.Delay(Timeout.Infinite, x.Aborted);
            }
            catch (OperationCanceledException)
            {
                aborted.SetResult();
            }
        });
        using var http = new HttpClient();
        using (var response = await http.GetAsync($"http://127.0.0.1:{server.Port}/containerLogs/ns/p/c?follow=true", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(stream);
            Assert.Equal("first line", await reader.ReadLineAsync().WaitAsync(Deadline));
        }
        await aborted.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_streamed_response_ends_cleanly_for_the_client()
    {
        await using var server = Start(async x =>
        {
            await using var body = await x.StartStreamingAsync("text/plain; charset=utf-8");
            for (var i = 0; i < 3; i++)
            {
                await body.WriteAsync(Encoding.UTF8.GetBytes($"line {i}\n"), x.Aborted);
            }
        });
        using var http = new HttpClient();
        Assert.Equal("line 0\nline 1\nline 2\n", await http.GetStringAsync($"http://127.0.0.1:{server.Port}/containerLogs/ns/p/c").WaitAsync(Deadline));
    }

    [Theory]
    [InlineData("NONSENSE\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("GET /x HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("POST /x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "HTTP/1.1 413 ")]
    public async Task Malformed_requests_get_a_client_error(string request, string expectedStatusLine)
    {
        await using var server = Start(x => x.RespondTextAsync(200, "should not be reached"));
        Assert.StartsWith(expectedStatusLine, await RawAsync(server.Port, request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_request_head_is_refused()
    {
        await using var server = Start(x => x.RespondTextAsync(200, "should not be reached"));
        var request = "GET /x HTTP/1.1\r\nX-Big: " + new string('a', 64 * 1024) + "\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 431 ", await RawAsync(server.Port, request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_throws_answers_500_and_the_server_keeps_serving()
    {
        await using var server = Start(x => x.Segments[0] == "boom" ? throw new InvalidOperationException("kaput") : x.RespondTextAsync(200, "fine"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };
        using var failed = await http.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("kaput", await failed.Content.ReadAsStringAsync());
        Assert.Equal("fine", await http.GetStringAsync("/ok"));
    }

    [Fact]
    public async Task A_WebSocket_upgrade_gets_the_offered_protocol_and_repeated_query_values()
    {
        await using var server = Start(async x =>
        {
            Assert.True(x.IsWebSocketRequest);
            using var socket = await x.AcceptWebSocketAsync(x.WebSocketProtocols[0]);
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, x.Aborted);
            var reply = Encoding.UTF8.GetBytes(string.Join('|', x.QueryValues("command")) + ":" + Encoding.UTF8.GetString(buffer, 0, received.Count));
            await socket.SendAsync(reply, System.Net.WebSockets.WebSocketMessageType.Binary, true, x.Aborted);
            await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, x.Aborted);
            await socket.ReceiveAsync(buffer, x.Aborted);
        });
        using var client = new System.Net.WebSockets.ClientWebSocket();
        client.Options.AddSubProtocol("v5.channel.k8s.io");
        using var timeout = new CancellationTokenSource(Deadline);
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/exec/ns/p/c?command=sh&command=-c&command=echo%20a%26b&stdin=true"), timeout.Token);
        await client.SendAsync("in"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Binary, true, timeout.Token);
        var buffer = new byte[1024];
        var reply = await client.ReceiveAsync(buffer, timeout.Token);
        var closing = await client.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal("v5.channel.k8s.io", client.SubProtocol);
        Assert.Equal("sh|-c|echo a&b:in", Encoding.UTF8.GetString(buffer, 0, reply.Count));
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, closing.MessageType);
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_an_IOException()
    {
        await using var first = Start(x => x.RespondTextAsync(200, ""));
        await using var second = new SocketHttpServer(IPAddress.Loopback, first.Port, x => x.RespondTextAsync(200, ""), NullLogger<SocketHttpServer>.Instance);
        Assert.Throws<IOException>(second.Start);
    }

    private static SocketHttpServer Start(Func<HttpExchange, Task> handler)
    {
        var server = new SocketHttpServer(IPAddress.Loopback, 0, handler, NullLogger<SocketHttpServer>.Instance);
        server.Start();
        return server;
    }

    private static async Task<string> RawAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything we send.
        }
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(Deadline);
    }
}
