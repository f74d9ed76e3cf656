using System.CommandLine;
using System.Net;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Proxy;

/// <summary>The proxy's flags and their translation into <see cref="ProxyOptions"/>; problems come back as one line each.</summary>
public static class ProxyCommandLine
{
    private static readonly Option<string?> Server = new("--server") { Description = $"API server gRPC URL (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
    private static readonly ClientCredentialFlags Credentials = new();
    private static readonly Option<string?> NodeName = new("--node-name") { Description = "This host's node name (default: the host name)" };
    private static readonly Option<bool> Cleanup = new("--cleanup") { Description = "Remove every iptables chain and jump rule, the route and the bridge the proxy installs, then exit" };
    private static readonly Option<string> SyncPeriod = new("--sync-period") { Description = "Full resync period (rewrites every chain, repairs drift)", DefaultValueFactory = _ => "30s" };
    private static readonly Option<string> MinSyncPeriod = new("--min-sync-period") { Description = "Least time between two syncs; bursts of changes are coalesced", DefaultValueFactory = _ => "1s" };
    private static readonly Option<string> ServiceRange = new("--service-cluster-ip-range") { Description = "Service CIDR (routed to the local bridge; jump rules match it)", DefaultValueFactory = _ => "10.96.0.0/16" };
    private static readonly Option<string> ClusterDnsIP = new("--cluster-dns-ip") { Description = "ClusterIP of the kube-system/kube-dns Service", DefaultValueFactory = _ => WellKnownDns.ClusterIP };
    private static readonly Option<string> ClusterDomain = new("--cluster-domain") { Description = "Cluster DNS domain", DefaultValueFactory = _ => WellKnownDns.ClusterDomain };
    private static readonly Option<string?> DnsBindAddress = new("--dns-bind-address") { Description = "Address the DNS server listens on (default: the Docker bridge's gateway, reachable from pods)" };
    private static readonly Option<int> DnsPort = new("--dns-port") { Description = "DNS server port (UDP and TCP); 0 picks a free one", DefaultValueFactory = _ => 53 };
    private static readonly Option<bool> NoDns = new("--no-dns") { Description = "Program iptables only: no DNS server, no kube-dns Service" };
    private static readonly Option<string> ChainPrefix = new("--iptables-chain-prefix") { Description = "Prefix of the proxy's chain names (to run several proxies side by side)", DefaultValueFactory = _ => ProxyOptions.DefaultChainPrefix };
    private static readonly Option<string> BridgeName = new("--bridge-name") { Description = "The empty local bridge the service CIDR is routed to", DefaultValueFactory = _ => ProxyOptions.DefaultBridge };
    private static readonly Option<string> LogLevel = new("--log-level") { Description = "Verbose, Debug, Information, Warning or Error", DefaultValueFactory = _ => "Information" };

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("minikube-proxy: Services → iptables DNAT rules (ClusterIPs, NodePorts) and the cluster DNS server")
        {
            Server, NodeName, Cleanup, SyncPeriod, MinSyncPeriod, ServiceRange, ClusterDnsIP, ClusterDomain, DnsBindAddress, DnsPort, NoDns, ChainPrefix,
            BridgeName, LogLevel,
        };
        foreach (var option in Credentials.All)
        {
            root.Options.Add(option);
        }
        return root;
    }

    public static string GetLogLevel(ParseResult parse) => parse.GetValue(LogLevel) ?? "Information";

    /// <summary>Options from a parse; the problems (each one line, saying what to set) when the flags do not make sense.</summary>
    public static (ProxyOptions? Options, IReadOnlyList<string> Problems) ToOptions(ParseResult parse)
    {
        var problems = new List<string>();
        TimeSpan Duration(Option<string> option)
        {
            var text = parse.GetValue(option) ?? "";
            if (GoDuration.TryParse(text, out var value))
            {
                return value;
            }
            problems.Add($"{option.Name} \"{text}\" is not a duration such as 500ms, 1s or 30s");
            return TimeSpan.Zero;
        }
        IPAddress? Address(Option<string?> option, string? text)
        {
            if (text is null)
            {
                return null;
            }
            if (IPAddress.TryParse(text, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                return ip;
            }
            problems.Add($"{option.Name} \"{text}\" is not an IPv4 address");
            return null;
        }
        var rangeText = parse.GetValue(ServiceRange)!;
        if (!ServiceCidr.TryParse(rangeText, out var range))
        {
            problems.Add($"--service-cluster-ip-range \"{rangeText}\" is not an IPv4 network such as 10.96.0.0/16");
        }
        var dnsIPText = parse.GetValue(ClusterDnsIP)!;
        IPAddress? dnsIP = null;
        if (!IPAddress.TryParse(dnsIPText, out dnsIP) || dnsIP.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            problems.Add($"--cluster-dns-ip \"{dnsIPText}\" is not an IPv4 address");
        }
        var options = new ProxyOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(Server)),
            Credentials = Credentials.Bind(parse, problems),
            NodeName = (parse.GetValue(NodeName) ?? DefaultNodeName()).Trim(),
            Cleanup = parse.GetValue(Cleanup),
            SyncPeriod = Duration(SyncPeriod),
            MinSyncPeriod = Duration(MinSyncPeriod),
            ServiceClusterIPRange = range ?? ServiceCidr.Parse("10.96.0.0/16"),
            ClusterDnsIP = dnsIP ?? IPAddress.Parse(WellKnownDns.ClusterIP),
            ClusterDomain = parse.GetValue(ClusterDomain)!.Trim().TrimEnd('.').ToLowerInvariant(),
            DnsBindAddress = Address(DnsBindAddress, parse.GetValue(DnsBindAddress)),
            DnsPort = parse.GetValue(DnsPort),
            EnableDns = !parse.GetValue(NoDns),
            ChainPrefix = parse.GetValue(ChainPrefix)!,
            BridgeName = parse.GetValue(BridgeName)!,
        };
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    private static string DefaultNodeName()
    {
        try
        {
            return Dns.GetHostName().ToLowerInvariant();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "";
        }
    }
}
