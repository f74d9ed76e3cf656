using MiniKube.Api;
using MiniKube.Kubelet;

namespace MiniKube.Kubelet.Tests;

public sealed class PodDnsTests
{
    private static PodDnsSettings For(PodSpec spec, string? clusterDns = "10.96.0.10") => PodDns.For(spec, "shop", clusterDns, "cluster.local");

    private static PodSpec Spec(string? policy = null, bool hostNetwork = false, PodDnsConfig? config = null) =>
        new() { DnsPolicy = policy, HostNetwork = hostNetwork, DnsConfig = config, Containers = [] };

    [Fact]
    public void Cluster_first_is_the_cluster_dns_with_the_namespace_search_list_and_ndots_5()
    {
        var dns = For(Spec());
        Assert.Equal(["10.96.0.10"], dns.Nameservers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], dns.Searches);
        Assert.Equal(["ndots:5"], dns.Options);
        Assert.Equal(dns, For(Spec(DnsPolicy.ClusterFirst)), new DnsComparer());
    }

    [Fact]
    public void Cluster_first_falls_back_to_the_host_for_host_network_pods_and_without_cluster_dns()
    {
        Assert.Same(PodDnsSettings.HostDefault, For(Spec(hostNetwork: true)));
        Assert.Same(PodDnsSettings.HostDefault, For(Spec(), clusterDns: null));
        Assert.Same(PodDnsSettings.HostDefault, For(Spec(DnsPolicy.Default)));
        Assert.Equal(["10.96.0.10"], For(Spec(DnsPolicy.ClusterFirstWithHostNet, hostNetwork: true)).Nameservers);
    }

    [Fact]
    public void Dns_config_is_merged_and_none_uses_only_it()
    {
        var config = new PodDnsConfig
        {
            Nameservers = ["10.96.0.10", "1.2.3.4", "5.6.7.8", "9.9.9.9"],
            Searches = ["svc.cluster.local", "corp.example"],
            Options = [new PodDnsConfigOption { Name = "ndots", Value = "2" }, new PodDnsConfigOption { Name = "edns0" }],
        };
        var merged = For(Spec(config: config));
        Assert.Equal(["10.96.0.10", "1.2.3.4", "5.6.7.8"], merged.Nameservers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"], merged.Searches);
        Assert.Equal(["ndots:2", "edns0"], merged.Options);
        var none = For(Spec(DnsPolicy.None, config: new PodDnsConfig { Nameservers = ["1.2.3.4"], Searches = ["a.example"] }));
        Assert.Equal(["1.2.3.4"], none.Nameservers);
        Assert.Equal(["a.example"], none.Searches);
        Assert.Empty(none.Options);
    }

    [Fact]
    public void Cluster_dns_and_domain_flags_reach_the_options()
    {
        var (options, problems) = KubeletCommandLine.ToOptions(KubeletCommandLine.CreateRootCommand().Parse(
            ["--node-name", "n1", "--cluster-dns", "10.96.0.10", "--cluster-domain", "example.local"]));
        Assert.Empty(problems);
        Assert.Equal(("10.96.0.10", "example.local"), (options!.ClusterDns, options.ClusterDomain));
        var (_, bad) = KubeletCommandLine.ToOptions(KubeletCommandLine.CreateRootCommand().Parse(["--node-name", "n1", "--cluster-dns", "dns.example"]));
        Assert.Equal("--cluster-dns \"dns.example\" is not an IP address", Assert.Single(bad));
    }

    private sealed class DnsComparer : IEqualityComparer<PodDnsSettings>
    {
        public bool Equals(PodDnsSettings? x, PodDnsSettings? y) => x is not null && y is not null
            && x.Nameservers.SequenceEqual(y.Nameservers) && x.Searches.SequenceEqual(y.Searches) && x.Options.SequenceEqual(y.Options);

        public int GetHashCode(PodDnsSettings obj) => obj.Nameservers.Count;
    }
}
