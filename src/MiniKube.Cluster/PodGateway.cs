using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace MiniKube.Cluster;

/// <summary>
/// The host's address on the Docker bridge the pods' sandboxes join (<c>docker0</c>): the one host address every pod reaches
/// without route_localnet. The API servers listen there too (<c>--advertise-address</c>), so the <c>default/kubernetes</c>
/// Service's endpoints are reachable from pods; the proxy serves cluster DNS on it for the same reason.
/// </summary>
public static class PodGateway
{
    public const string DockerBridge = "docker0";

    public static string? Address() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(i => i.Name == DockerBridge)
        .SelectMany(i => i.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString();

    /// <summary>The API server flags: none when there is no bridge (then only the host reaches the Service, through 127.0.0.1).</summary>
    public static IReadOnlyList<string> ApiServerFlags() => Address() is { } ip ? ["--advertise-address", ip] : [];
}
