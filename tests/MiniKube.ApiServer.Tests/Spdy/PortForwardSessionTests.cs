using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.ApiServer.Rest;
using MiniKube.ApiServer.Spdy;

namespace MiniKube.ApiServer.Tests.Spdy;

/// <summary>
/// The port-forward protocol of <see cref="PortForwardSession"/> driven by a client framer over a loopback connection, with a
/// loopback listener standing in for the pod.
/// </summary>
public sealed class PortForwardSessionTests : IAsyncLifetime
{
    private readonly TcpListener _pod = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private SpdyFramer _client = null!;
    private Task _session = null!;

    public async Task InitializeAsync()
    {
        _pod.Start();
        var transport = new TcpListener(IPAddress.Loopback, 0);
        transport.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)transport.LocalEndpoint).Port);
        var server = await transport.AcceptTcpClientAsync();
        transport.Stop();
        _client = new SpdyFramer(client.GetStream());
        var serverFramer = new SpdyFramer(server.GetStream());
        var podPort = ((IPEndPoint)_pod.LocalEndpoint).Port;
        var session = new PortForwardSession(serverFramer, async (port, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            // Every port is the test's listener; port 1 stands for a port nothing listens on.
            await socket.ConnectAsync(IPAddress.Loopback, port == 1 ? ClosedPort() : podPort, ct);
            return socket;
        }, "ns/pod", NullLogger.Instance);
        _session = Task.Run(async () =>
        {
            await using (serverFramer)
            {
                await session.RunAsync(_stop.Token);
            }
        });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _session.WaitAsync(TimeSpan.FromSeconds(30));
        _pod.Stop();
        _pod.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public async Task Bytes_go_both_ways_and_the_pods_close_ends_both_streams()
    {
        await OpenAsync(1, "error", "80", "0");
        await OpenAsync(3, "data", "80", "0");
        using var pod = await _pod.AcceptSocketAsync(_stop.Token);

        await _client.WriteAsync(new SpdyData(3, false, "GET / HTTP/1.0\r\n\r\n"u8.ToArray()), _stop.Token);
        var request = await ReceiveAsync(pod, 18);
        await pod.SendAsync("HTTP/1.0 200 OK\r\n\r\nhi"u8.ToArray(), SocketFlags.None);
        pod.Shutdown(SocketShutdown.Send);
        var (data, fin) = await ReadStreamAsync(3);
        var (error, errorFin) = await ReadStreamAsync(1);

        Assert.Equal("GET / HTTP/1.0\r\n\r\n", request);
        Assert.Equal("HTTP/1.0 200 OK\r\n\r\nhi", data);
        Assert.True(fin);
        Assert.Equal("", error);
        Assert.True(errorFin);
    }

    [Fact]
    public async Task The_clients_fin_half_closes_the_pod_socket()
    {
        await OpenAsync(1, "error", "80", "7");
        await OpenAsync(3, "data", "80", "7");
        using var pod = await _pod.AcceptSocketAsync(_stop.Token);

        await _client.WriteAsync(new SpdyData(3, true, "bye"u8.ToArray()), _stop.Token);
        var received = await ReceiveAsync(pod, 3);
        var end = await pod.ReceiveAsync(new byte[1], SocketFlags.None, _stop.Token);

        Assert.Equal("bye", received);
        Assert.Equal(0, end);
    }

    [Fact]
    public async Task More_than_a_spdy_window_flows_without_window_updates()
    {
        // SPDY/3's initial window is 64 KiB; kubectl never sends WINDOW_UPDATE, so the session must not wait for one.
        await OpenAsync(1, "error", "80", "0");
        await OpenAsync(3, "data", "80", "0");
        using var pod = await _pod.AcceptSocketAsync(_stop.Token);
        var payload = new byte[300 * 1024];
        Random.Shared.NextBytes(payload);

        await pod.SendAsync(payload, SocketFlags.None);
        pod.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        while (await NextFrameAsync() is SpdyData { StreamId: 3 } frame)
        {
            received.Write(frame.Data.Span);
            if (frame.Fin)
            {
                break;
            }
        }

        Assert.Equal(payload, received.ToArray());
    }

    [Fact]
    public async Task A_port_nothing_listens_on_is_reported_on_the_error_stream()
    {
        await OpenAsync(1, "error", "1", "0");
        await OpenAsync(3, "data", "1", "0");

        var (data, fin) = await ReadStreamAsync(3);
        var (error, errorFin) = await ReadStreamAsync(1);

        Assert.Equal("", data);
        Assert.True(fin);
        Assert.StartsWith("error forwarding port 1 to pod ns/pod: ", error, StringComparison.Ordinal);
        Assert.True(errorFin);
    }

    [Fact]
    public async Task Streams_of_clients_without_request_ids_pair_by_stream_id()
    {
        foreach (var (id, type) in new[] { (1u, "error"), (3u, "data") })
        {
            await _client.WriteAsync(new SpdySynStream(id, 0, 0, false, false, [new("streamtype", type), new("port", "80")]), _stop.Token);
            Assert.Equal(id, Assert.IsType<SpdySynReply>(await NextFrameAsync()).StreamId);
        }
        using var pod = await _pod.AcceptSocketAsync(_stop.Token);

        await _client.WriteAsync(new SpdyData(3, false, "x"u8.ToArray()), _stop.Token);

        Assert.Equal("x", await ReceiveAsync(pod, 1));
    }

    [Fact]
    public async Task Client_pings_are_echoed()
    {
        await _client.WriteAsync(new SpdyPing(5), _stop.Token);

        Assert.Equal(new SpdyPing(5), await NextFrameAsync());
    }

    [Fact]
    public async Task A_stream_without_a_valid_port_is_refused()
    {
        await _client.WriteAsync(new SpdySynStream(1, 0, 0, false, false, [new("streamtype", "data"), new("port", "http")]), _stop.Token);

        Assert.Equal(new SpdyRstStream(1, SpdyRstStatus.RefusedStream), await NextFrameAsync());
    }

    private async Task OpenAsync(uint id, string type, string port, string requestId)
    {
        await _client.WriteAsync(new SpdySynStream(id, 0, 0, false, false,
            [new("streamtype", type), new("port", port), new("requestid", requestId)]), _stop.Token);
        var reply = Assert.IsType<SpdySynReply>(await NextFrameAsync());
        Assert.Equal(id, reply.StreamId);
    }

    /// <summary>The DATA of one stream up to its FIN (frames of other streams in between are skipped).</summary>
    private async Task<(string Text, bool Fin)> ReadStreamAsync(uint id)
    {
        var text = new StringBuilder();
        while (await NextFrameAsync() is { } frame)
        {
            if (frame is SpdyData data && data.StreamId == id)
            {
                text.Append(Encoding.UTF8.GetString(data.Data.Span));
                if (data.Fin)
                {
                    return (text.ToString(), true);
                }
            }
        }
        return (text.ToString(), false);
    }

    private async Task<SpdyFrame?> NextFrameAsync() => await _client.ReadAsync(_stop.Token);

    private async Task<string> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, _stop.Token);
            Assert.True(n > 0, $"the pod socket ended after {got} of {count} bytes");
            got += n;
        }
        return Encoding.UTF8.GetString(buffer);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
