using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;

namespace MiniKube.Proxy.Tests;

public sealed class ProxyCommandLineTests
{
    private static (ProxyOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args) =>
        ProxyCommandLine.ToOptions(ProxyCommandLine.CreateRootCommand().Parse(args));

    [Fact]
    public void Defaults_are_kube_proxys()
    {
        var (options, problems) = Parse("--server", "http://127.0.0.1:9", "--node-name", "n1");
        Assert.Empty(problems);
        Assert.Equal(TimeSpan.FromSeconds(30), options!.SyncPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MinSyncPeriod);
        Assert.Equal("10.96.0.0/16", options.ServiceClusterIPRange.ToString());
        Assert.Equal(IPAddress.Parse("10.96.0.10"), options.ClusterDnsIP);
        Assert.Equal("cluster.local", options.ClusterDomain);
        Assert.Equal(("MINIKUBE", "minikube-svc0", 53, true, false), (options.ChainPrefix, options.BridgeName, options.DnsPort, options.EnableDns, options.Cleanup));
    }

    [Fact]
    public void Flags_are_read()
    {
        var (options, problems) = Parse("--node-name", "n1", "--cleanup", "--sync-period", "2m", "--min-sync-period", "250ms",
            "--service-cluster-ip-range", "10.100.0.0/24", "--cluster-dns-ip", "10.100.0.53", "--cluster-domain", "Example.Test.",
            "--dns-bind-address", "127.0.0.1", "--dns-port", "5353", "--iptables-chain-prefix", "MKX1", "--bridge-name", "mkx1", "--no-dns");
        Assert.Empty(problems);
        Assert.True(options!.Cleanup);
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(250)), (options.SyncPeriod, options.MinSyncPeriod));
        Assert.Equal(("10.100.0.0/24", "10.100.0.53", "example.test"), (options.ServiceClusterIPRange.ToString(), options.ClusterDnsIP.ToString(), options.ClusterDomain));
        Assert.Equal((IPAddress.Loopback, 5353, "MKX1", "mkx1", false), (options.DnsBindAddress, options.DnsPort, options.ChainPrefix, options.BridgeName, options.EnableDns));
    }

    [Theory]
    [InlineData("--sync-period=soon", "--sync-period \"soon\" is not a duration such as 500ms, 1s or 30s")]
    [InlineData("--min-sync-period=1m", "--sync-period must be positive and not below --min-sync-period")]
    [InlineData("--service-cluster-ip-range=10.96.0.1/16", "--service-cluster-ip-range \"10.96.0.1/16\" is not an IPv4 network such as 10.96.0.0/16")]
    [InlineData("--cluster-dns-ip=10.97.0.10", "--cluster-dns-ip 10.97.0.10 is not inside --service-cluster-ip-range 10.96.0.0/16")]
    [InlineData("--cluster-dns-ip=fd00::10", "--cluster-dns-ip \"fd00::10\" is not an IPv4 address")]
    [InlineData("--cluster-domain=bad_domain", "--cluster-domain \"bad_domain\" is not a DNS domain such as cluster.local")]
    [InlineData("--dns-bind-address=nowhere", "--dns-bind-address \"nowhere\" is not an IPv4 address")]
    [InlineData("--dns-port=70000", "--dns-port 70000 is not a port (1-65535, or 0 for a free one)")]
    [InlineData("--iptables-chain-prefix=KUBE-PROXY-LONG", "--iptables-chain-prefix \"KUBE-PROXY-LONG\" must be 1-11 upper-case letters or digits, starting with a letter")]
    [InlineData("--bridge-name=a-very-long-bridge-name", "--bridge-name \"a-very-long-bridge-name\" is not an interface name (1-15 of a-z, 0-9, '-', '_', '.')")]
    public void Bad_flags_say_what_to_fix(string flag, string problem)
    {
        var (options, problems) = Parse("--node-name", "n1", flag);
        Assert.Null(options);
        Assert.Equal(problem, problems[0]);
    }
}

public sealed class ProxyRulesTests
{
    private static readonly ServiceCidr Range = ServiceCidr.Parse("10.96.0.0/16");
    private readonly ProxyRules _rules = new("MKU", Range);

    private static Service Svc(string name, string ip, string? affinity = null, int? nodePort = null, params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new ServiceSpec
        {
            ClusterIP = ip,
            Type = nodePort is null ? ServiceType.ClusterIP : ServiceType.NodePort,
            SessionAffinity = affinity,
            Ports = ports.Length > 0 ? ports : [new ServicePort { Name = "http", Port = 80, Protocol = "TCP", NodePort = nodePort }],
        },
    };

    private static EndpointSlice Slice(string service, params (string Ip, bool? Ready)[] endpoints) => new()
    {
        Metadata = new ObjectMeta { Name = service + "-abc", Namespace = "default", Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = service } },
        AddressType = AddressTypes.IPv4,
        Endpoints = [.. endpoints.Select(e => new Endpoint { Addresses = [e.Ip], Conditions = new EndpointConditions { Ready = e.Ready } })],
        Ports = [new EndpointSlicePort { Name = "http", Port = 8080, Protocol = "TCP" }],
    };

    [Fact]
    public void Model_keeps_ready_endpoints_of_matching_ports_and_skips_headless_and_out_of_range_services()
    {
        var ports = ServiceModel.Build(
            [Svc("web", "10.96.1.1"), Svc("headless", "None"), Svc("elsewhere", "10.200.0.1")],
            [Slice("web", ("172.17.0.3", true), ("172.17.0.2", null), ("172.17.0.4", false)), Slice("headless", ("172.17.0.9", true))],
            Range);
        var web = Assert.Single(ports);
        Assert.Equal("default/web:http", web.DisplayName);
        Assert.Equal(["172.17.0.2:8080", "172.17.0.3:8080"], web.Endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void Three_endpoints_are_picked_with_even_probability_and_masqueraded_when_hairpinned_or_node_originated()
    {
        var ports = ServiceModel.Build([Svc("web", "10.96.1.1")], [Slice("web", ("172.17.0.2", true), ("172.17.0.3", true), ("172.17.0.4", true))], Range);
        var chains = _rules.Chains(ports).ToDictionary(c => c.Key);
        var svc = chains["nat/" + _rules.ServiceChain(ports[0])];
        Assert.Contains("-m addrtype --src-type LOCAL -j MKU-MARK-MASQ", svc.Rules[0], StringComparison.Ordinal);
        Assert.Contains("--probability 0.3333333333", svc.Rules[1], StringComparison.Ordinal);
        Assert.Contains("--probability 0.5000000000", svc.Rules[2], StringComparison.Ordinal);
        Assert.DoesNotContain("statistic", svc.Rules[3], StringComparison.Ordinal);
        var sep = chains["nat/" + _rules.EndpointChain(ports[0], ports[0].Endpoints[0])];
        Assert.StartsWith("-s 172.17.0.2/32 ", sep.Rules[0], StringComparison.Ordinal);
        Assert.EndsWith("-j DNAT --to-destination 172.17.0.2:8080", sep.Rules[1], StringComparison.Ordinal);
        Assert.Contains(chains["nat/MKU-SERVICES"].Rules, r => r.StartsWith("-d 10.96.1.1/32 -p tcp ", StringComparison.Ordinal) && r.EndsWith("--dport 80 -j " + svc.Chain, StringComparison.Ordinal));
        Assert.Empty(chains["filter/MKU-SERVICES"].Rules);
        Assert.True(svc.Chain.Length <= 28 && sep.Chain.Length <= 28, "iptables chain names are at most 28 characters");
    }

    [Fact]
    public void No_ready_endpoint_rejects_the_cluster_ip_and_node_port_instead_of_dnat()
    {
        var ports = ServiceModel.Build([Svc("web", "10.96.1.1", nodePort: 30080)], [Slice("web", ("172.17.0.2", false))], Range);
        var chains = _rules.Chains(ports).ToDictionary(c => c.Key);
        Assert.Empty(chains["nat/MKU-SERVICES"].Rules);
        Assert.Empty(chains["nat/MKU-NODEPORTS"].Rules);
        Assert.Contains("-d 10.96.1.1/32 -p tcp", Assert.Single(chains["filter/MKU-SERVICES"].Rules), StringComparison.Ordinal);
        Assert.EndsWith("--dport 30080 -j REJECT --reject-with icmp-port-unreachable", Assert.Single(chains["filter/MKU-EXTERNAL"].Rules), StringComparison.Ordinal);
        Assert.DoesNotContain(chains.Keys, k => k.Contains("-SVC-", StringComparison.Ordinal));
    }

    [Fact]
    public void Node_ports_mark_for_masquerade_and_client_ip_affinity_uses_recent()
    {
        var ports = ServiceModel.Build([Svc("web", "10.96.1.1", affinity: "ClientIP", nodePort: 30080)], [Slice("web", ("172.17.0.2", true), ("172.17.0.3", true))], Range);
        Assert.Equal(ServiceModel.DefaultAffinityTimeoutSeconds, ports[0].AffinityTimeoutSeconds);
        var chains = _rules.Chains(ports).ToDictionary(c => c.Key);
        var nodePorts = chains["nat/MKU-NODEPORTS"].Rules;
        Assert.Equal(2, nodePorts.Count);
        Assert.EndsWith("--dport 30080 -j MKU-MARK-MASQ", nodePorts[0], StringComparison.Ordinal);
        var svcChain = _rules.ServiceChain(ports[0]);
        Assert.EndsWith("--dport 30080 -j " + svcChain, nodePorts[1], StringComparison.Ordinal);
        var svc = chains["nat/" + svcChain].Rules;
        Assert.Contains("-m recent --rcheck --seconds 10800 --reap --name MKU-SEP-", svc[1], StringComparison.Ordinal);
        var sep = chains["nat/" + _rules.EndpointChain(ports[0], ports[0].Endpoints[0])].Rules;
        Assert.Contains("-m recent --set --name MKU-SEP-", sep[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Jump_rules_match_only_the_service_cidr_node_ports_and_marked_packets()
    {
        var jumps = _rules.JumpRules();
        Assert.All(jumps, j => Assert.True(
            j.Arguments.Contains("10.96.0.0/16") || j.Arguments.Contains(ProxyRules.NodePortRange) || j.Arguments.Contains("0x4000/0x4000"), j.ToString()));
        Assert.Equal(["nat/OUTPUT", "nat/POSTROUTING", "nat/PREROUTING", "filter/FORWARD", "filter/INPUT", "filter/OUTPUT"],
            jumps.Select(j => j.Table + "/" + j.Chain).Distinct().OrderByDescending(k => k.StartsWith("nat", StringComparison.Ordinal)).ThenBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void Restore_text_declares_written_and_deleted_chains_and_deletes_after_writing()
    {
        var text = ProxyRules.RestoreText([new ChainContent("nat", "MKU-SERVICES", ["-j RETURN"])], [("nat", "MKU-SVC-OLD")]);
        Assert.Equal("*nat\n:MKU-SERVICES - [0:0]\n:MKU-SVC-OLD - [0:0]\n-A MKU-SERVICES -j RETURN\n-X MKU-SVC-OLD\nCOMMIT\n", text);
        Assert.Equal("", ProxyRules.RestoreText([], []));
    }

    [Fact]
    public void A_chain_snapshot_matches_written_rules_by_target_and_notices_a_missing_or_changed_rule()
    {
        var ports = ServiceModel.Build([Svc("web", "10.96.1.1")], [Slice("web", ("172.17.0.2", true), ("172.17.0.3", true))], Range);
        var chains = _rules.Chains(ports).ToDictionary(c => c.Key);
        var sep = chains["nat/" + _rules.EndpointChain(ports[0], ports[0].Endpoints[0])];
        var svc = chains["nat/" + _rules.ServiceChain(ports[0])];
        // As iptables-save prints them: its own match order and quoting, the same targets.
        var save = $":{sep.Chain} - [0:0]\n:{svc.Chain} - [0:0]\n:MKU-STALE - [0:0]\n:DOCKER - [0:0]\n"
            + $"-A {sep.Chain} -s 172.17.0.2/32 -m comment --comment \"default/web:http\" -j MKU-MARK-MASQ\n"
            + $"-A {sep.Chain} -p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination 172.17.0.2:8080\n"
            + $"-A {svc.Chain} -m comment --comment \"default/web:http node-originated\" -m addrtype --src-type LOCAL -j MKU-MARK-MASQ\n"
            + $"-A {svc.Chain} -m comment --comment \"default/web:http -> 172.17.0.2:8080\" -m statistic --mode random --probability 0.50000000000 -j {sep.Chain}\n"
            + $"-A {svc.Chain} -m comment --comment \"default/web:http -> 172.17.0.3:8080\" -j MKU-SEP-OTHER\n"
            + "-A DOCKER -j RETURN\n";
        var snapshot = ChainSnapshot.Parse(7, [("nat", save)], _rules.IsOurs);
        Assert.Equal(7, snapshot.Sequence);
        Assert.True(snapshot.Matches(sep));
        Assert.False(snapshot.Matches(svc), "the last rule jumps elsewhere");
        Assert.Equal(new[] { "nat/MKU-STALE", "nat/" + sep.Chain, "nat/" + svc.Chain }.Order(StringComparer.Ordinal), snapshot.Keys.Order(StringComparer.Ordinal));
        Assert.False(snapshot.Matches(sep with { Rules = [.. sep.Rules, "-j RETURN"] }), "a rule missing from the dump");
        Assert.Equal("-j DNAT --to-destination 172.17.0.2:8080", ChainSnapshot.Target(sep.Rules[1]));
        Assert.Equal("-j MARK --set-xmark 0x4000/0x4000", ChainSnapshot.Target("-j MARK --set-xmark 0x4000/0x4000"));
    }

    [Fact]
    public void Shared_chains_are_the_lines_of_each_port_in_order()
    {
        var ports = ServiceModel.Build([Svc("a", "10.96.1.1"), Svc("b", "10.96.1.2")], [Slice("a", ("172.17.0.2", true)), Slice("b", ("172.17.0.3", false))], Range);
        var a = _rules.ForPort(ports[0]);
        var b = _rules.ForPort(ports[1]);
        Assert.Equal(2, a.Chains.Count);
        Assert.Empty(b.Chains);
        var shared = _rules.SharedChains([a, b]).ToDictionary(c => c.Key);
        Assert.Equal(a.Services, shared["nat/MKU-SERVICES"].Rules);
        Assert.Equal(b.Rejects, shared["filter/MKU-SERVICES"].Rules);
        Assert.Equal(_rules.Chains(ports).Select(c => c.Key), _rules.SharedChains([a, b]).Concat(a.Chains).Select(c => c.Key));
    }

    [Fact]
    public void Iptables_save_lines_split_like_a_shell()
    {
        Assert.Equal(["-A", "OUTPUT", "-m", "comment", "--comment", "MKU service portals", "-j", "MKU-SERVICES"],
            Iptables.Split("-A OUTPUT -m comment --comment \"MKU service portals\" -j MKU-SERVICES"));
    }
}

public sealed class SyncRunnerTests
{
    [Fact]
    public async Task A_change_after_a_quiet_time_syncs_at_once_a_burst_is_one_sync_per_min_interval_and_a_full_sync_comes_every_period()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var syncs = new List<(TimeSpan At, bool Full)>();
        var start = time.GetUtcNow();
        var ran = new SemaphoreSlim(0);
        var runner = new SyncRunner(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), (full, _) =>
        {
            lock (syncs)
            {
                syncs.Add((time.GetUtcNow() - start, full));
            }
            ran.Release();
            return Task.CompletedTask;
        }, time, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var loop = runner.RunAsync(cts.Token);
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        // The first change after the start runs at once (a burst of two syncs is allowed, as in kube-proxy) …
        runner.Request();
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        for (var i = 0; i < 5; i++)
        {
            runner.Request();
        }
        // … then the bucket is empty and the min interval has not passed: nothing runs until the clock moves.
        Assert.False(await ran.WaitAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await ran.WaitAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await ran.WaitAsync(TimeSpan.FromSeconds(10)));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        lock (syncs)
        {
            Assert.Equal([(TimeSpan.Zero, true), (TimeSpan.Zero, false), (TimeSpan.FromSeconds(1), false), (TimeSpan.FromSeconds(31), true)], syncs);
        }
    }
}

public sealed class ClusterDnsResolverTests
{
    private sealed class Lookup : IServiceLookup
    {
        public Dictionary<(string, string), Service> Services { get; } = [];
        public Dictionary<(string, string), List<EndpointSlice>> Slices { get; } = [];

        public Service? GetService(string ns, string name) => Services.GetValueOrDefault((ns, name));

        public IReadOnlyList<EndpointSlice> SlicesOf(string ns, string name) => Slices.GetValueOrDefault((ns, name)) ?? [];
    }

    private readonly ClusterDnsResolver _resolver;

    public ClusterDnsResolverTests()
    {
        var lookup = new Lookup();
        lookup.Services[("default", "web")] = new Service
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new ServiceSpec { ClusterIP = "10.96.3.4", Ports = [new ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
        };
        lookup.Services[("default", "db")] = new Service
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = "default" },
            Spec = new ServiceSpec { ClusterIP = "None", Ports = [new ServicePort { Name = "sql", Port = 5432, Protocol = "TCP" }] },
        };
        lookup.Slices[("default", "db")] =
        [
            new EndpointSlice
            {
                AddressType = AddressTypes.IPv4,
                Endpoints =
                [
                    new Endpoint { Addresses = ["172.17.0.5"], Hostname = "db-0" },
                    new Endpoint { Addresses = ["172.17.0.6"] },
                    new Endpoint { Addresses = ["172.17.0.7"], Conditions = new EndpointConditions { Ready = false } },
                ],
                Ports = [new EndpointSlicePort { Name = "sql", Port = 15432, Protocol = "TCP" }],
            },
        ];
        _resolver = new ClusterDnsResolver(lookup, "cluster.local");
    }

    private DnsMessage Ask(string name, RecordType type = RecordType.A)
    {
        var query = new DnsMessage { IsQuery = true, IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        return _resolver.Answer(query);
    }

    [Fact]
    public void A_record_of_a_service_is_its_cluster_ip()
    {
        var answer = Ask("Web.Default.svc.cluster.local");
        Assert.Equal(ReturnCode.NoError, answer.ReturnCode);
        Assert.True(answer.IsAuthoritiveAnswer);
        Assert.Equal(IPAddress.Parse("10.96.3.4"), Assert.IsType<ARecord>(Assert.Single(answer.AnswerRecords)).Address);
    }

    [Fact]
    public void Headless_service_answers_its_ready_endpoints_and_each_by_host_name()
    {
        Assert.Equal(["172.17.0.5", "172.17.0.6"], Ask("db.default.svc.cluster.local").AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).Order());
        Assert.Equal("172.17.0.5", Assert.IsType<ARecord>(Assert.Single(Ask("db-0.db.default.svc.cluster.local").AnswerRecords)).Address.ToString());
        Assert.Equal("172.17.0.6", Assert.IsType<ARecord>(Assert.Single(Ask("172-17-0-6.db.default.svc.cluster.local").AnswerRecords)).Address.ToString());
        Assert.Equal(ReturnCode.NxDomain, Ask("172-17-0-7.db.default.svc.cluster.local").ReturnCode);
    }

    [Fact]
    public void Srv_records_name_the_port()
    {
        var srv = Assert.IsType<SrvRecord>(Assert.Single(Ask("_http._tcp.web.default.svc.cluster.local", RecordType.Srv).AnswerRecords));
        Assert.Equal((80, "web.default.svc.cluster.local."), (srv.Port, srv.Target.ToString()));
        var headless = Ask("_sql._tcp.db.default.svc.cluster.local", RecordType.Srv).AnswerRecords.OfType<SrvRecord>().Select(s => $"{s.Target}:{s.Port}").Order();
        Assert.Equal(["172-17-0-6.db.default.svc.cluster.local.:15432", "db-0.db.default.svc.cluster.local.:15432"], headless);
        Assert.Equal(ReturnCode.NxDomain, Ask("_http._udp.web.default.svc.cluster.local", RecordType.Srv).ReturnCode);
    }

    [Fact]
    public void Missing_names_in_the_domain_are_nxdomain_with_the_soa_and_other_names_are_refused()
    {
        var missing = Ask("nope.default.svc.cluster.local");
        Assert.Equal(ReturnCode.NxDomain, missing.ReturnCode);
        Assert.IsType<SoaRecord>(Assert.Single(missing.AuthorityRecords));
        Assert.Equal(ReturnCode.NxDomain, Ask("web.other.svc.cluster.local").ReturnCode);
        Assert.Equal(ReturnCode.NxDomain, Ask("x.y.z.web.default.svc.cluster.local").ReturnCode);
        var noData = Ask("web.default.svc.cluster.local", RecordType.Aaaa);
        Assert.Equal(ReturnCode.NoError, noData.ReturnCode);
        Assert.Empty(noData.AnswerRecords);
        Assert.Equal(ReturnCode.NoError, Ask("svc.cluster.local").ReturnCode);
        Assert.Equal(ReturnCode.Refused, Ask("example.com").ReturnCode);
        Assert.Equal(ReturnCode.Refused, Ask("notcluster.local").ReturnCode);
    }
}

public sealed class DnsAnswerCacheTests
{
    private static byte[] Packet(ushort id, string name) => [(byte)(id >> 8), (byte)id, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, .. System.Text.Encoding.ASCII.GetBytes(name), 0, 0, 1, 0, 1];

    [Fact]
    public void A_cached_answer_gets_the_query_id_and_is_dropped_when_the_cluster_changes()
    {
        var cache = new DnsAnswerCache();
        var answer = new byte[64];
        var generation = cache.Generation;
        Assert.Equal(0, cache.TryAnswer(Packet(1, "web"), answer));
        var stored = Packet(1, "web");
        stored[2] = 0x85;
        cache.Add(Packet(1, "web"), generation, stored);

        var length = cache.TryAnswer(Packet(0xBEEF, "web"), answer);
        Assert.Equal(stored.Length, length);
        Assert.Equal([0xBE, 0xEF, 0x85], answer[..3]);
        Assert.Equal(0, cache.TryAnswer(Packet(2, "db"), answer));

        // A change: the entry is gone, and an answer computed before the change is not stored.
        cache.Invalidate();
        Assert.Equal(0, cache.TryAnswer(Packet(3, "web"), answer));
        cache.Add(Packet(1, "web"), generation, stored);
        Assert.Equal(0, cache.TryAnswer(Packet(4, "web"), answer));
        Assert.Equal(0, cache.Count);
    }
}
