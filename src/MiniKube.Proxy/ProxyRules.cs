using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MiniKube.Api;

namespace MiniKube.Proxy;

/// <summary>A chain of ours in one table, with the rules it should hold (each an iptables-restore line without "-A CHAIN").</summary>
public sealed record ChainContent(string Table, string Chain, IReadOnlyList<string> Rules)
{
    public string Key => Table + "/" + Chain;
}

/// <summary>
/// The rules of one service port: its lines in the shared nat services / node-ports chains and filter reject chains, and its
/// own service and endpoint chains.
/// </summary>
public sealed record ServicePortRules(
    IReadOnlyList<string> Services, IReadOnlyList<string> NodePorts, IReadOnlyList<string> Rejects, IReadOnlyList<string> ExternalRejects,
    IReadOnlyList<ChainContent> Chains);

/// <summary>A rule in a built-in chain that jumps to one of ours (inserted first; matched only for the service CIDR and NodePorts).</summary>
public sealed record JumpRule(string Table, string Chain, IReadOnlyList<string> Arguments)
{
    public override string ToString() => $"-t {Table} {Chain} {string.Join(' ', Arguments)}";
}

/// <summary>
/// The chains kube-proxy's iptables mode writes, under our own prefix: nat <c>P-SERVICES</c> (ClusterIP:port → the
/// service chain), <c>P-SVC-…</c> per service port (masquerade mark for node-originated traffic, ClientIP affinity via
/// <c>recent</c>, an even random pick via <c>statistic</c>), <c>P-SEP-…</c> per endpoint (hairpin mark, DNAT),
/// <c>P-NODEPORTS</c>, <c>P-MARK-MASQ</c> and <c>P-POSTROUTING</c> (MASQUERADE of marked packets); filter
/// <c>P-SERVICES</c> and <c>P-EXTERNAL</c> REJECT service ports that have no ready endpoint, so clients are refused at once.
/// </summary>
public sealed class ProxyRules(string prefix, ServiceCidr range)
{
    public const string Nat = "nat";
    public const string Filter = "filter";
    /// <summary>The masquerade mark bit, as kube-proxy's.</summary>
    public const string MasqueradeMark = "0x4000";
    public const string NodePortRange = "30000:32767";

    public string Prefix => prefix;
    public string ServicesChain => prefix + "-SERVICES";
    public string NodePortsChain => prefix + "-NODEPORTS";
    public string PostroutingChain => prefix + "-POSTROUTING";
    public string MarkMasqChain => prefix + "-MARK-MASQ";
    /// <summary>The filter chain rejecting NodePorts without endpoints.</summary>
    public string ExternalChain => prefix + "-EXTERNAL";

    public string ServiceChain(ServicePortModel port) => prefix + "-SVC-" + Hash($"{port.Namespace}/{port.Name}:{port.PortName}/{port.Protocol}");

    public string EndpointChain(ServicePortModel port, BackendEndpoint endpoint) =>
        prefix + "-SEP-" + Hash($"{port.Namespace}/{port.Name}:{port.PortName}/{port.Protocol}/{endpoint}");

    /// <summary>Whether <paramref name="chain"/> is one of ours (any chain we may have written with this prefix).</summary>
    public bool IsOurs(string chain) => chain.StartsWith(prefix + "-", StringComparison.Ordinal);

    /// <summary>The jump rules from built-in chains, only for packets to the service CIDR or a local NodePort (and marked ones to masquerade).</summary>
    public IReadOnlyList<JumpRule> JumpRules()
    {
        var cidr = range.ToString();
        string Comment(string what) => $"{prefix} {what}";
        List<JumpRule> rules = [];
        foreach (var chain in new[] { "PREROUTING", "OUTPUT" })
        {
            rules.Add(new(Nat, chain, ["-d", cidr, "-m", "comment", "--comment", Comment("service portals"), "-j", ServicesChain]));
            foreach (var proto in new[] { "tcp", "udp" })
            {
                rules.Add(new(Nat, chain, ["-p", proto, "-m", proto, "--dport", NodePortRange, "-m", "addrtype", "--dst-type", "LOCAL",
                    "-m", "comment", "--comment", Comment("nodeports"), "-j", NodePortsChain]));
            }
        }
        rules.Add(new(Nat, "POSTROUTING", ["-m", "mark", "--mark", $"{MasqueradeMark}/{MasqueradeMark}",
            "-m", "comment", "--comment", Comment("masquerade marked service traffic"), "-j", PostroutingChain]));
        foreach (var chain in new[] { "OUTPUT", "FORWARD" })
        {
            rules.Add(new(Filter, chain, ["-d", cidr, "-m", "conntrack", "--ctstate", "NEW",
                "-m", "comment", "--comment", Comment("services without endpoints"), "-j", ServicesChain]));
        }
        foreach (var proto in new[] { "tcp", "udp" })
        {
            rules.Add(new(Filter, "INPUT", ["-p", proto, "-m", proto, "--dport", NodePortRange, "-m", "addrtype", "--dst-type", "LOCAL",
                "-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", Comment("nodeports without endpoints"), "-j", ExternalChain]));
        }
        return rules;
    }

    /// <summary>Every chain of ours with its rules for <paramref name="ports"/>, fixed chains first.</summary>
    public IReadOnlyList<ChainContent> Chains(IReadOnlyList<ServicePortModel> ports)
    {
        var fragments = ports.Select(ForPort).ToList();
        return [.. SharedChains(fragments), .. fragments.SelectMany(f => f.Chains)];
    }

    /// <summary>
    /// What one service port contributes: its lines in the shared chains (nat services and node ports, filter rejects) and its
    /// own service and endpoint chains. A sync recomputes this only for the services that changed.
    /// </summary>
    public ServicePortRules ForPort(ServicePortModel port)
    {
        var proto = port.IptablesProtocol;
        var comment = Quote(port.DisplayName);
        string Match(string what) => $"-d {port.ClusterIP}/32 -p {proto} -m comment --comment {Quote(port.DisplayName + what)} -m {proto} --dport {Invariant(port.Port)}";
        if (port.Endpoints.Count == 0)
        {
            List<string> externalRejects = [];
            if (port.NodePort is { } np)
            {
                externalRejects.Add($"-p {proto} -m comment --comment {Quote(port.DisplayName + " has no endpoints")} -m addrtype --dst-type LOCAL -m {proto} --dport {Invariant(np)} -j REJECT --reject-with icmp-port-unreachable");
            }
            return new ServicePortRules([], [], [$"{Match(" has no endpoints")} -j REJECT --reject-with icmp-port-unreachable"], externalRejects, []);
        }
        var svcChain = ServiceChain(port);
        List<string> nodePorts = [];
        if (port.NodePort is { } nodePort)
        {
            var npMatch = $"-p {proto} -m comment --comment {comment} -m {proto} --dport {Invariant(nodePort)}";
            nodePorts.Add($"{npMatch} -j {MarkMasqChain}");
            nodePorts.Add($"{npMatch} -j {svcChain}");
        }
        var svcRules = new List<string>
        {
            // Node-originated traffic (the host, a NodePort on 127.0.0.1) must come back through this host: masquerade it.
            $"-m comment --comment {Quote(port.DisplayName + " node-originated")} -m addrtype --src-type LOCAL -j {MarkMasqChain}",
        };
        var endpointChains = port.Endpoints.Select(e => (Endpoint: e, Chain: EndpointChain(port, e))).ToList();
        if (port.AffinityTimeoutSeconds is { } timeout)
        {
            foreach (var (endpoint, chain) in endpointChains)
            {
                svcRules.Add($"-m comment --comment {Quote($"{port.DisplayName} -> {endpoint}")} -m recent --rcheck --seconds {Invariant(timeout)} --reap --name {chain} --mask 255.255.255.255 --rsource -j {chain}");
            }
        }
        for (var i = 0; i < endpointChains.Count; i++)
        {
            var (endpoint, chain) = endpointChains[i];
            var remaining = endpointChains.Count - i;
            var pick = remaining > 1
                ? $" -m statistic --mode random --probability {(1.0 / remaining).ToString("0.0000000000", CultureInfo.InvariantCulture)}"
                : "";
            svcRules.Add($"-m comment --comment {Quote($"{port.DisplayName} -> {endpoint}")}{pick} -j {chain}");
        }
        var chains = new List<ChainContent>(endpointChains.Count + 1) { new(Nat, svcChain, svcRules) };
        foreach (var (endpoint, chain) in endpointChains)
        {
            var recent = port.AffinityTimeoutSeconds is null ? "" : $" -m recent --set --name {chain} --mask 255.255.255.255 --rsource";
            chains.Add(new ChainContent(Nat, chain,
            [
                // Hairpin: a pod reaching itself through its Service must see the reply come from the node.
                $"-s {endpoint.Ip}/32 -m comment --comment {comment} -j {MarkMasqChain}",
                $"-p {proto} -m comment --comment {comment}{recent} -m {proto} -j DNAT --to-destination {endpoint}",
            ]));
        }
        return new ServicePortRules([$"{Match(" cluster IP")} -j {svcChain}"], nodePorts, [], [], chains);
    }

    /// <summary>The chains every service shares, filled with the lines of <paramref name="ports"/> in their order, fixed chains included.</summary>
    public IReadOnlyList<ChainContent> SharedChains(IReadOnlyCollection<ServicePortRules> ports) =>
    [
        new(Nat, ServicesChain, [.. ports.SelectMany(p => p.Services)]),
        new(Nat, NodePortsChain, [.. ports.SelectMany(p => p.NodePorts)]),
        new(Nat, MarkMasqChain, [$"-j MARK --set-xmark {MasqueradeMark}/{MasqueradeMark}"]),
        new(Nat, PostroutingChain,
        [
            $"-m mark ! --mark {MasqueradeMark}/{MasqueradeMark} -j RETURN",
            $"-j MARK --set-xmark {MasqueradeMark}/0x0",
            "-m comment --comment \"service traffic requiring SNAT\" -j MASQUERADE --random-fully",
        ]),
        new(Filter, ServicesChain, [.. ports.SelectMany(p => p.Rejects)]),
        new(Filter, ExternalChain, [.. ports.SelectMany(p => p.ExternalRejects)]),
    ];

    /// <summary>
    /// An iptables-restore input (for <c>--noflush</c>) that writes <paramref name="write"/> (each declared, so flushed, then
    /// filled) and deletes <paramref name="delete"/> (flushed then removed) — touching no chain but ours.
    /// </summary>
    public static string RestoreText(IReadOnlyCollection<ChainContent> write, IReadOnlyCollection<(string Table, string Chain)> delete)
    {
        var text = new StringBuilder();
        foreach (var table in new[] { Filter, Nat })
        {
            var tableWrites = write.Where(c => c.Table == table).ToList();
            var tableDeletes = delete.Where(d => d.Table == table).Select(d => d.Chain).ToList();
            if (tableWrites.Count == 0 && tableDeletes.Count == 0)
            {
                continue;
            }
            text.Append('*').Append(table).Append('\n');
            foreach (var chain in tableWrites.Select(c => c.Chain).Concat(tableDeletes))
            {
                text.Append(':').Append(chain).Append(" - [0:0]\n");
            }
            foreach (var chain in tableWrites)
            {
                foreach (var rule in chain.Rules)
                {
                    text.Append("-A ").Append(chain.Chain).Append(' ').Append(rule).Append('\n');
                }
            }
            foreach (var chain in tableDeletes)
            {
                text.Append("-X ").Append(chain).Append('\n');
            }
            text.Append("COMMIT\n");
        }
        return text.ToString();
    }

    private static string Hash(string text)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Base32(digest)[..12];
    }

    private static string Base32(byte[] bytes)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var result = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                result.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return result.ToString();
    }

    private static string Quote(string text) => "\"" + text.Replace("\"", "", StringComparison.Ordinal) + "\"";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
