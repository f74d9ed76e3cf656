using System.Globalization;
using System.Net;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>Where a node's kubelet listens: its InternalIP address and <c>status.daemonEndpoints.kubeletEndpoint.Port</c>.</summary>
internal static class KubeletAddress
{
    /// <summary><c>scheme://ip:port</c>, or null when the node has not published both.</summary>
    public static string? BaseUrl(Node node, string scheme = "http")
    {
        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == NodeAddressType.InternalIP)?.Address;
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0;
        if (string.IsNullOrEmpty(address) || port <= 0)
        {
            return null;
        }
        var host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
        return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}");
    }
}
