using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Cluster;

/// <summary>
/// The names a local cluster's proxy uses on the host. The default cluster gets the well-known ones (chains
/// <c>MINIKUBE-*</c>, bridge <c>minikube-svc0</c>, DNS at 10.96.0.10 on port 53); any other cluster name gets its own chain
/// prefix, bridge, cluster DNS IP and a free DNS port, derived from the name, so two local clusters on one host (tests) do
/// not rewrite or clean up each other's rules.
/// </summary>
public sealed record ProxyIdentity(string ChainPrefix, string Bridge, string ClusterDnsIP, int DnsPort)
{
    public const string ServiceRange = "10.96.0.0/16";

    public static ProxyIdentity For(string clusterName)
    {
        if (clusterName == UpOptions.DefaultName)
        {
            return new ProxyIdentity("MINIKUBE", "minikube-svc0", WellKnownDns.ClusterIP, 53);
        }
        var hash = 2166136261;
        foreach (var c in clusterName)
        {
            hash = (hash ^ c) * 16777619;
        }
        var hex = (hash & 0xFFFFFF).ToString("X6", CultureInfo.InvariantCulture);
        return new ProxyIdentity("MK" + hex, "mk" + hex.ToLowerInvariant() + "-svc", "10.96.0." + (11 + hash % 200).ToString(CultureInfo.InvariantCulture), 0);
    }

    /// <summary>The proxy's flags for these names (without --cleanup).</summary>
    public IReadOnlyList<string> Flags(string server, string nodeName) =>
    [
        "--server", server,
        "--node-name", nodeName,
        "--service-cluster-ip-range", ServiceRange,
        "--cluster-dns-ip", ClusterDnsIP,
        "--cluster-domain", WellKnownDns.ClusterDomain,
        "--dns-port", DnsPort.ToString(CultureInfo.InvariantCulture),
        "--iptables-chain-prefix", ChainPrefix,
        "--bridge-name", Bridge,
    ];

    /// <summary>The flags of <c>minikube-proxy --cleanup</c> for these names.</summary>
    public IReadOnlyList<string> CleanupFlags() =>
        ["--cleanup", "--service-cluster-ip-range", ServiceRange, "--cluster-dns-ip", ClusterDnsIP, "--iptables-chain-prefix", ChainPrefix, "--bridge-name", Bridge];
}
