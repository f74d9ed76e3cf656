using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Cluster;

/// <summary>
/// The names a local cluster's proxy uses on the host. The default cluster gets the well-known ones (chains
/// <c>MINIKUBE-*</c>, bridge <c>minikube-svc0</c>, Services from 10.96.0.0/16 with the <c>kubernetes</c> Service at
/// 10.96.0.1 and DNS at 10.96.0.10 on port 53); any other cluster name gets its own chain prefix, bridge, a free DNS port
/// and a /24 of its own inside 10.96.0.0/16 for its Services, derived from the name, so two local clusters on one host
/// (tests) do not rewrite or clean up each other's rules — and do not both claim 10.96.0.1: every proxy's jump rule sees
/// every cluster's packets, and the one inserted last would take a fixed ClusterIP for its own cluster.
/// </summary>
/// <param name="ApiServerServiceRange">The API servers' <c>--service-cluster-ip-range</c>: where this cluster's ClusterIPs come from.</param>
public sealed record ProxyIdentity(string ChainPrefix, string Bridge, string ClusterDnsIP, int DnsPort, string ApiServerServiceRange)
{
    /// <summary>What every cluster's proxy routes and jumps for (the union of all clusters' Service ranges).</summary>
    public const string ServiceRange = "10.96.0.0/16";

    /// <summary>The <c>kubernetes</c> Service's ClusterIP: the first address of the cluster's Service range, as in Kubernetes.</summary>
    public string KubernetesServiceIP
    {
        get
        {
            var network = ApiServerServiceRange.Split('/')[0].Split('.');
            return $"{network[0]}.{network[1]}.{network[2]}.{int.Parse(network[3], CultureInfo.InvariantCulture) + 1}";
        }
    }

    public static ProxyIdentity For(string clusterName)
    {
        if (clusterName == UpOptions.DefaultName)
        {
            return new ProxyIdentity("MINIKUBE", "minikube-svc0", WellKnownDns.ClusterIP, 53, ServiceRange);
        }
        var hash = 2166136261;
        foreach (var c in clusterName)
        {
            hash = (hash ^ c) * 16777619;
        }
        var hex = (hash & 0xFFFFFF).ToString("X6", CultureInfo.InvariantCulture);
        // 10.96.0.0/24 is the default cluster's first /24 (10.96.0.1, 10.96.0.10): named clusters take one of the other 255.
        var slice = "10.96." + (1 + hash % 255).ToString(CultureInfo.InvariantCulture);
        return new ProxyIdentity("MK" + hex, "mk" + hex.ToLowerInvariant() + "-svc", slice + ".10", 0, slice + ".0/24");
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
