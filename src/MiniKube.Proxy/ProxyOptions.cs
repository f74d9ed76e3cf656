using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Proxy;

/// <summary>Everything a proxy process (or an in-process test host) is configured with; validated at start.</summary>
public sealed partial record ProxyOptions
{
    public const string DefaultChainPrefix = "MINIKUBE";
    public const string DefaultBridge = "minikube-svc0";

    public string Server { get; init; } = "";

    /// <summary>Token, client certificate and CA for the API server (<c>--token</c>, <c>--client-certificate</c>/<c>--client-key</c>, <c>--certificate-authority</c>).</summary>
    public ClientCredentials Credentials { get; init; } = ClientCredentials.None;

    public string NodeName { get; init; } = "";
    /// <summary>Remove every chain, jump rule, route and bridge this proxy installs, then exit.</summary>
    public bool Cleanup { get; init; }
    /// <summary>Full resync period: every chain is rewritten and the jump rules, bridge and route are checked (repairs drift).</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Least time between two syncs: a burst of changes is coalesced into one iptables-restore (kube-proxy: 1s).</summary>
    public TimeSpan MinSyncPeriod { get; init; } = TimeSpan.FromSeconds(1);
    public ServiceCidr ServiceClusterIPRange { get; init; } = ServiceCidr.Parse("10.96.0.0/16");
    public IPAddress ClusterDnsIP { get; init; } = IPAddress.Parse(WellKnownDns.ClusterIP);
    public string ClusterDomain { get; init; } = WellKnownDns.ClusterDomain;
    /// <summary>Where the DNS server listens; null: the Docker bridge's gateway address (reachable from every pod).</summary>
    public IPAddress? DnsBindAddress { get; init; }
    /// <summary>0: a free port (the kube-dns EndpointSlice says which; pods only use the ClusterIP).</summary>
    public int DnsPort { get; init; } = 53;
    /// <summary>False: no DNS server and no kube-dns Service (iptables only).</summary>
    public bool EnableDns { get; init; } = true;
    /// <summary>Name prefix of every iptables chain (several proxies can run side by side with different prefixes).</summary>
    public string ChainPrefix { get; init; } = DefaultChainPrefix;
    /// <summary>The empty local bridge the service CIDR is routed to.</summary>
    public string BridgeName { get; init; } = DefaultBridge;
    /// <summary>The bridge whose gateway address is the default DNS bind address.</summary>
    public string DockerBridge { get; init; } = "docker0";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(NodeName) && !Cleanup)
        {
            problems.Add("--node-name is required (no host name could be found)");
        }
        if (MinSyncPeriod < TimeSpan.Zero)
        {
            problems.Add("--min-sync-period must not be negative");
        }
        if (SyncPeriod <= TimeSpan.Zero || SyncPeriod < MinSyncPeriod)
        {
            problems.Add("--sync-period must be positive and not below --min-sync-period");
        }
        if (!ServiceClusterIPRange.Contains(ClusterDnsIP))
        {
            problems.Add($"--cluster-dns-ip {ClusterDnsIP} is not inside --service-cluster-ip-range {ServiceClusterIPRange}");
        }
        if (!DomainPattern().IsMatch(ClusterDomain))
        {
            problems.Add($"--cluster-domain \"{ClusterDomain}\" is not a DNS domain such as cluster.local");
        }
        if (DnsPort is < 0 or > 65535)
        {
            problems.Add($"--dns-port {DnsPort.ToString(CultureInfo.InvariantCulture)} is not a port (1-65535, or 0 for a free one)");
        }
        if (!PrefixPattern().IsMatch(ChainPrefix))
        {
            problems.Add($"--iptables-chain-prefix \"{ChainPrefix}\" must be 1-11 upper-case letters or digits, starting with a letter");
        }
        if (!BridgePattern().IsMatch(BridgeName))
        {
            problems.Add($"--bridge-name \"{BridgeName}\" is not an interface name (1-15 of a-z, 0-9, '-', '_', '.')");
        }
        return problems;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]{0,10}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]{1,15}$")]
    private static partial Regex BridgePattern();

    [GeneratedRegex(@"^([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainPattern();
}

/// <summary>An IPv4 CIDR such as 10.96.0.0/16.</summary>
public sealed record ServiceCidr(IPAddress Network, int PrefixLength)
{
    private uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public static bool TryParse(string text, out ServiceCidr? cidr)
    {
        cidr = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text[..slash], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits is < 1 or > 32)
        {
            return false;
        }
        var mask = uint.MaxValue << (32 - bits);
        if ((ToUInt(address) & mask) != ToUInt(address))
        {
            return false;
        }
        cidr = new ServiceCidr(address, bits);
        return true;
    }

    public static ServiceCidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr! : throw new FormatException($"\"{text}\" is not an IPv4 network such as 10.96.0.0/16");

    public bool Contains(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (ToUInt(address) & Mask) == ToUInt(Network);

    public bool Contains(string address) => IPAddress.TryParse(address, out var ip) && Contains(ip);

    public override string ToString() => $"{Network}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
}
