using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>A pod's resolver settings: nameservers, search domains and options (what goes on the sandbox).</summary>
public sealed record PodDnsSettings(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    /// <summary>Nothing set: Docker gives the sandbox the host's resolv.conf (dnsPolicy Default).</summary>
    public static readonly PodDnsSettings HostDefault = new([], [], []);
}

/// <summary>
/// dnsPolicy as Kubernetes applies it: ClusterFirst (the default) gives the cluster DNS server, the search list
/// <c>&lt;ns&gt;.svc.&lt;domain&gt; svc.&lt;domain&gt; &lt;domain&gt;</c> and <c>ndots:5</c> — falling back to Default for
/// hostNetwork pods and when the kubelet has no <c>--cluster-dns</c>; ClusterFirstWithHostNet is ClusterFirst for hostNetwork
/// pods too; Default is the host's resolv.conf; None is only <c>dnsConfig</c>. <c>dnsConfig</c> is merged in: nameservers and
/// searches appended (duplicates dropped; at most 3 nameservers and 32 searches), options replacing same-named ones.
/// </summary>
public static class PodDns
{
    public const int MaxNameservers = 3;
    public const int MaxSearches = 32;

    public static PodDnsSettings For(PodSpec spec, string ns, string? clusterDns, string clusterDomain)
    {
        var policy = string.IsNullOrEmpty(spec.DnsPolicy) ? DnsPolicy.ClusterFirst : spec.DnsPolicy;
        var hostNetwork = spec.HostNetwork == true;
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<(string Name, string? Value)>();
        var cluster = clusterDns is not null && (policy == DnsPolicy.ClusterFirstWithHostNet || (policy == DnsPolicy.ClusterFirst && !hostNetwork));
        if (cluster)
        {
            servers.Add(clusterDns!);
            searches.AddRange([$"{ns}.svc.{clusterDomain}", $"svc.{clusterDomain}", clusterDomain]);
            options.Add(("ndots", "5"));
        }
        else if (policy != DnsPolicy.None && spec.DnsConfig is null)
        {
            return PodDnsSettings.HostDefault;
        }
        if (spec.DnsConfig is { } config)
        {
            servers.AddRange(config.Nameservers ?? []);
            searches.AddRange(config.Searches ?? []);
            foreach (var option in config.Options ?? [])
            {
                if (string.IsNullOrEmpty(option.Name))
                {
                    continue;
                }
                options.RemoveAll(o => o.Name == option.Name);
                options.Add((option.Name, option.Value));
            }
        }
        return new PodDnsSettings(
            [.. servers.Distinct(StringComparer.Ordinal).Take(MaxNameservers)],
            [.. searches.Distinct(StringComparer.Ordinal).Take(MaxSearches)],
            [.. options.Select(o => o.Value is null ? o.Name : $"{o.Name}:{o.Value}")]);
    }
}
