using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using MiniKube.Api;
using MiniKube.ApiServer.Spdy;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// <c>pods/portforward</c>: SPDY/3.1 carrying Kubernetes' port-forward protocol (<see cref="PortForwardSession"/>), either
/// tunnelled in a WebSocket with subprotocol <c>SPDY/3.1+portforward.k8s.io</c> (KEP-4006, what kubectl 1.31+ asks for first)
/// or on the connection itself after the legacy <c>Upgrade: SPDY/3.1</c>. The API server dials the pod's IP and port itself
/// (pods are containers on a Docker bridge of this machine), so a server in the pod must listen on the pod IP, not only on the
/// pod's <c>localhost</c> as a real kubelet would allow; pods whose IP is on no network of this machine (hollow nodes) are refused.
/// </summary>
internal static class PodPortForward
{
    public const string TunnelProtocol = "SPDY/3.1+portforward.k8s.io";
    private const string PortForwardProtocol = "portforward.k8s.io";
    private static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(5);

    public static async Task ServeAsync(HttpContext http, ObjectApi api, RestTarget target)
    {
        var ct = http.RequestAborted;
        var name = target.Name!;
        var pod = (Pod)(await api.GetAsync(ResourceRegistry.For<Pod>(), target.Namespace ?? "default", name, ct).ConfigureAwait(false)).Object;
        if (pod.Status?.Phase != PodPhase.Running)
        {
            throw ApiException.BadRequest($"unable to forward port because pod is not running. Current status={pod.Status?.Phase ?? PodPhase.Pending}");
        }
        if (!IPAddress.TryParse(pod.Status.PodIP, out var ip))
        {
            throw ApiException.Unavailable($"pod {name} has no pod IP yet");
        }
        if (!IsOnLocalNetwork(ip))
        {
            throw ApiException.BadRequest($"pod {name} has IP {ip}, which is on no network of this machine (a hollow node's pod?): nothing to forward to");
        }
        Stream tunnel;
        WebSocket? socket = null;
        if (http.WebSockets.IsWebSocketRequest)
        {
            var offered = http.WebSockets.WebSocketRequestedProtocols;
            if (!offered.Contains(TunnelProtocol))
            {
                throw ApiException.BadRequest($"none of the offered subprotocols ({string.Join(", ", offered)}) is supported: use {TunnelProtocol}");
            }
            // ASP.NET Core refuses to accept a subprotocol with '/' (not an RFC 7230 token), yet this one is Kubernetes' name:
            // the header is set here and the middleware, given none, leaves it alone.
            http.Response.Headers.SecWebSocketProtocol = TunnelProtocol;
            socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            tunnel = new WebSocketTunnelStream(socket);
        }
        else if (http.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade
            && string.Equals(http.Request.Headers.Upgrade, "SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers.Connection = "Upgrade";
            http.Response.Headers.Upgrade = "SPDY/3.1";
            http.Response.Headers["X-Stream-Protocol-Version"] = PortForwardProtocol;
            tunnel = await upgrade.UpgradeAsync().ConfigureAwait(false);
        }
        else
        {
            throw ApiException.BadRequest($"portforward needs a WebSocket upgrade with subprotocol {TunnelProtocol} or an Upgrade: SPDY/3.1 request");
        }
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PodPortForward).FullName!);
        await using var framer = new SpdyFramer(tunnel);
        var session = new PortForwardSession(framer, (port, token) => DialAsync(ip, port, token), $"{pod.Metadata.Namespace}/{name}", logger);
        await session.RunAsync(ct).ConfigureAwait(false);
        if (socket is { State: WebSocketState.Open or WebSocketState.CloseReceived })
        {
            // End the tunnel with a close frame, not a dropped connection (kubectl reports that as an abnormal closure).
            using var closing = CancellationTokenSource.CreateLinkedTokenSource(ct);
            closing.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The client is gone.
            }
        }
    }

    private static async Task<Socket> DialAsync(IPAddress ip, int port, CancellationToken ct)
    {
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DialTimeout);
        try
        {
            await socket.ConnectAsync(ip, port, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="ip"/> is loopback or in the subnet of an interface of this machine that is up.</summary>
    internal static bool IsOnLocalNetwork(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip))
        {
            return true;
        }
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Any(a => a.Address.AddressFamily == ip.AddressFamily && a.PrefixLength > 0
                && new IPNetwork(a.Address, a.PrefixLength).Contains(ip));
    }
}
