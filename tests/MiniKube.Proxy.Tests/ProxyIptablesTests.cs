using System.Net.Sockets;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Proxy.Tests;

/// <summary>
/// The proxy against real iptables, a real bridge and route, and busybox httpd containers: ClusterIPs and NodePorts reach
/// ready endpoints (from the host and from a container), evenly; removed or unready endpoints get nothing; no endpoint means
/// "connection refused" at once; ClientIP affinity; deleted Services lose their rules; drift is repaired; and after each test
/// iptables outside our chains is exactly as before, with nothing of ours left.
/// </summary>
[Collection(HostNetworkCollection.Name)]
public sealed class ProxyIptablesTests : IAsyncLifetime
{
    private ProxyEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        if (HostNetworkFactAttribute.UnavailableReason is null)
        {
            _env = await ProxyEnvironment.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_env is not null)
        {
            await _env.DisposeAsync();
            await _env.AssertHostRestoredAsync();
        }
    }

    private static void AssertFairShare(Dictionary<string, int> counts, IReadOnlyList<Backend> backends, int requests)
    {
        var description = string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Equal(backends.Select(b => b.Name).Order(), counts.Keys.Order());
        // Even odds: each of n backends expects requests/n; half of that is > 4 standard deviations away at these sizes.
        Assert.All(counts.Values, c => Assert.True(c >= requests / backends.Count / 2, $"unfair share: {description}"));
    }

    [HostNetworkFact]
    public async Task Cluster_ip_reaches_every_ready_endpoint_from_the_host_and_from_a_pod_with_a_fair_share()
    {
        var backends = new[] { await _env.StartBackendAsync("b1"), await _env.StartBackendAsync("b2"), await _env.StartBackendAsync("b3") };
        var client = await _env.StartClientAsync("client");
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("web", 20);
        await _env.SetEndpointsAsync("web", backends);
        await _env.WaitForEndpointsAsync("web", 3);
        var url = $"http://{_env.ServiceIP(20)}/";

        AssertFairShare(await ProxyEnvironment.CountAsync(url, 90), backends, 90);

        var output = await ProxyEnvironment.ExecAsync(client, $"i=0; while [ $i -lt 60 ]; do timeout 5 wget -qO- {url}; i=$((i+1)); done");
        var fromPod = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(l => l.Trim()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(60, fromPod.Values.Sum());
        AssertFairShare(fromPod, backends, 60);
    }

    [HostNetworkFact]
    public async Task Node_port_answers_on_127_0_0_1()
    {
        var backend = await _env.StartBackendAsync("np1");
        await _env.StartProxyAsync();
        var nodePort = 32000 + Random.Shared.Next(0, 700);
        await _env.CreateServiceAsync("np", 21, nodePort: nodePort);
        await _env.SetEndpointsAsync("np", [backend]);
        await _env.WaitForEndpointsAsync("np", 1);
        Assert.Equal("np1", await ProxyEnvironment.TryGetAsync($"http://127.0.0.1:{nodePort}/"));
        Assert.Equal("1", (await File.ReadAllTextAsync(ServiceBridge.RouteLocalnetPath)).Trim());
    }

    [HostNetworkFact]
    public async Task Removed_and_unready_endpoints_get_no_traffic()
    {
        var b1 = await _env.StartBackendAsync("r1");
        var b2 = await _env.StartBackendAsync("r2");
        var b3 = await _env.StartBackendAsync("r3");
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("web", 22);
        await _env.SetEndpointsAsync("web", [b1, b2, b3]);
        await _env.WaitForEndpointsAsync("web", 3);
        var url = $"http://{_env.ServiceIP(22)}/";

        await _env.SetEndpointsAsync("web", [b1, b2]);
        await _env.WaitForEndpointsAsync("web", 2);
        var afterRemoval = await ProxyEnvironment.CountAsync(url, 40);
        Assert.Equal(["r1", "r2"], afterRemoval.Keys.Order());

        await _env.SetEndpointsAsync("web", [b1, b2], notReady: [b2]);
        await _env.WaitForEndpointsAsync("web", 1);
        Assert.Equal(new Dictionary<string, int> { ["r1"] = 20 }, await ProxyEnvironment.CountAsync(url, 20));
    }

    [HostNetworkFact]
    public async Task No_ready_endpoint_is_refused_at_once_for_cluster_ip_and_node_port()
    {
        var backend = await _env.StartBackendAsync("gone");
        await _env.StartProxyAsync();
        var nodePort = 32000 + Random.Shared.Next(0, 700);
        await _env.CreateServiceAsync("empty", 23, nodePort: nodePort);
        await _env.SetEndpointsAsync("empty", [backend], notReady: [backend]);
        await _env.WaitForSyncAsync(ports => ports.Any(p => p.Name == "empty" && p.Endpoints.Count == 0), "empty without endpoints");

        var (error, took) = await ProxyEnvironment.ConnectAsync(_env.ServiceIP(23), 80);
        Assert.Equal(SocketError.ConnectionRefused, error);
        Assert.True(took < TimeSpan.FromSeconds(1), $"refusal took {took}");
        var (npError, _) = await ProxyEnvironment.ConnectAsync("127.0.0.1", nodePort);
        Assert.Equal(SocketError.ConnectionRefused, npError);
        Assert.Contains("REJECT", await _env.OurRulesAsync(), StringComparison.Ordinal);
    }

    [HostNetworkFact]
    public async Task Client_ip_affinity_keeps_one_client_on_one_endpoint()
    {
        var backends = new[] { await _env.StartBackendAsync("a1"), await _env.StartBackendAsync("a2"), await _env.StartBackendAsync("a3") };
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("sticky", 24, affinity: "ClientIP", affinityTimeout: 60);
        await _env.SetEndpointsAsync("sticky", backends);
        await _env.WaitForEndpointsAsync("sticky", 3);
        var counts = await ProxyEnvironment.CountAsync($"http://{_env.ServiceIP(24)}/", 30);
        Assert.Single(counts);
        Assert.Contains(counts.Keys.Single(), backends.Select(b => b.Name));
        Assert.Contains("--seconds 60", await _env.OurRulesAsync(), StringComparison.Ordinal);
    }

    [HostNetworkFact]
    public async Task Deleting_a_service_removes_its_rules()
    {
        var backend = await _env.StartBackendAsync("d1");
        var proxy = await _env.StartProxyAsync();
        await _env.CreateServiceAsync("doomed", 25);
        await _env.SetEndpointsAsync("doomed", [backend]);
        await _env.WaitForEndpointsAsync("doomed", 1);
        var port = ServiceModel.Build([await _env.Api.Client.GetAsync<Service>("doomed", "default")],
            [await _env.Api.Client.GetAsync<EndpointSlice>("doomed-manual", "default")], _env.Options.ServiceClusterIPRange)[0];
        var chains = new[] { _env.Rules.ServiceChain(port), _env.Rules.EndpointChain(port, port.Endpoints[0]) };
        var rules = await _env.OurRulesAsync();
        Assert.Contains(_env.ServiceIP(25) + "/32", rules, StringComparison.Ordinal);
        Assert.All(chains, c => Assert.Contains(":" + c + " ", rules, StringComparison.Ordinal));

        await _env.Api.Client.DeleteAsync<Service>("doomed", "default");
        await _env.WaitForSyncAsync(ports => ports.All(p => p.Name != "doomed"), "without the deleted Service");
        rules = await _env.OurRulesAsync();
        Assert.DoesNotContain(_env.ServiceIP(25), rules, StringComparison.Ordinal);
        Assert.All(chains, c => Assert.DoesNotContain(c, rules, StringComparison.Ordinal));
        Assert.True(proxy.Proxier.Syncs >= 2);
    }

    [HostNetworkFact]
    public async Task A_restarted_proxy_and_the_periodic_resync_repair_rules_deleted_by_hand()
    {
        var backend = await _env.StartBackendAsync("k1");
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("web", 26);
        await _env.SetEndpointsAsync("web", [backend]);
        await _env.WaitForEndpointsAsync("web", 1);
        var url = $"http://{_env.ServiceIP(26)}/";
        Assert.Equal("k1", await ProxyEnvironment.TryGetAsync(url));
        var port = ServiceModel.Build(
            [await _env.Api.Client.GetAsync<Service>("web", "default")], [await _env.Api.Client.GetAsync<EndpointSlice>("web-manual", "default")],
            _env.Options.ServiceClusterIPRange)[0];
        var sep = _env.Rules.EndpointChain(port, port.Endpoints[0]);

        // Killed (rules stay), then a rule deleted by hand: the DNAT of the only endpoint, and the nat OUTPUT jump.
        await _env.StopProxyAsync();
        (await HostCommand.RunAsync("iptables", ["-t", "nat", "-D", sep, "2"])).EnsureSuccess();
        var outputJump = _env.Rules.JumpRules().First(j => j.Table == "nat" && j.Chain == "OUTPUT");
        await new Iptables().DeleteAsync(outputJump);
        Assert.Null(await ProxyEnvironment.TryGetAsync(url));

        await _env.StartProxyAsync();
        Assert.Equal("k1", await ProxyEnvironment.TryGetAsync(url));
        await _env.StopProxyAsync();

        // A running proxy repairs drift at its next full resync.
        _env.Reconfigure(o => o with { SyncPeriod = TimeSpan.FromSeconds(2) });
        var running = await _env.StartProxyAsync();
        (await HostCommand.RunAsync("iptables", ["-t", "nat", "-D", sep, "2"])).EnsureSuccess();
        Assert.Null(await ProxyEnvironment.TryGetAsync(url));
        await Eventually.WaitAsync(async () => await ProxyEnvironment.TryGetAsync(url) == "k1", TimeSpan.FromSeconds(20), "the periodic full resync restores the DNAT rule");
        Assert.True(running.Proxier.Syncs >= 2);
    }

    [HostNetworkFact]
    public async Task An_endpoint_change_rewrites_only_its_own_chains_and_a_drift_check_repairs_only_what_was_changed_by_hand()
    {
        // Hollow endpoints: the rules are programmed and read back, never contacted.
        _env.Reconfigure(o => o with { SyncPeriod = TimeSpan.FromSeconds(2) });
        var proxy = await _env.StartProxyAsync();
        var results = new List<SyncResult>();
        proxy.Proxier.Synced += r =>
        {
            lock (results)
            {
                results.Add(r);
            }
        };
        await _env.CreateServiceAsync("steady", 31, nodePort: 32000 + Random.Shared.Next(0, 700));
        await _env.SetEndpointsAsync("steady", [new Backend("s1", "10.244.9.1", 8080), new Backend("s2", "10.244.9.2", 8080)]);
        await _env.CreateServiceAsync("moving", 32);
        await _env.SetEndpointsAsync("moving", [new Backend("m1", "10.244.9.11", 8080), new Backend("m2", "10.244.9.12", 8080)]);
        await _env.WaitForSyncAsync(ports => ports.Any(p => p.Name == "steady" && p.Endpoints.Count == 2) && ports.Any(p => p.Name == "moving" && p.Endpoints.Count == 2),
            "both services with two endpoints");

        // A clean state: the drift check (every 2 s) compares what iptables-save shows with what was written and finds nothing.
        SyncResult? Checked(Func<SyncResult, bool> what)
        {
            lock (results)
            {
                return results.LastOrDefault(r => r.Repaired is not null && what(r));
            }
        }
        lock (results)
        {
            results.Clear();
        }
        await Eventually.WaitAsync(() => Task.FromResult(Checked(_ => true) is not null), TimeSpan.FromSeconds(30), "a drift check applied by a sync");
        Assert.Equal(0, Checked(_ => true)!.Repaired);

        // One endpoint replaced: the service chain and the new endpoint chain are written, the old endpoint chain deleted;
        // the shared chains (services, node ports, rejects) and the other service are not touched.
        lock (results)
        {
            results.Clear();
        }
        await _env.SetEndpointsAsync("moving", [new Backend("m1", "10.244.9.11", 8080), new Backend("m3", "10.244.9.13", 8080)]);
        await _env.WaitForSyncAsync(ports => ports.Any(p => p.Name == "moving" && p.Endpoints.Any(e => e.Ip == "10.244.9.13")), "the replaced endpoint");
        SyncResult change;
        lock (results)
        {
            change = results.First(r => r.Ports.Any(p => p.Name == "moving" && p.Endpoints.Any(e => e.Ip == "10.244.9.13")));
        }
        Assert.False(change.Full);
        Assert.Equal((2, 1), (change.ChainsWritten - (change.Repaired ?? 0), change.ChainsDeleted));
        var rules = await _env.OurRulesAsync();
        Assert.Contains("10.244.9.13:8080", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("10.244.9.12", rules, StringComparison.Ordinal);

        // A rule deleted by hand in the other service's chain: the next drift check rewrites that chain (and only it).
        var steady = ServiceModel.Build([await _env.Api.Client.GetAsync<Service>("steady", "default")],
            [await _env.Api.Client.GetAsync<EndpointSlice>("steady-manual", "default")], _env.Options.ServiceClusterIPRange)[0];
        var sep = _env.Rules.EndpointChain(steady, steady.Endpoints[0]);
        lock (results)
        {
            results.Clear();
        }
        (await HostCommand.RunAsync("iptables", ["-t", "nat", "-D", sep, "2"])).EnsureSuccess();
        await Eventually.WaitAsync(() => Task.FromResult(Checked(r => r.Repaired > 0) is not null), TimeSpan.FromSeconds(30), "a drift check that repairs the chain");
        Assert.Equal(1, Checked(r => r.Repaired > 0)!.Repaired);
        Assert.Contains($"-A {sep} -p tcp", await _env.OurRulesAsync(), StringComparison.Ordinal);
    }

    [HostNetworkFact]
    public async Task Cleanup_command_removes_every_chain_jump_rule_route_and_bridge()
    {
        var backend = await _env.StartBackendAsync("c1");
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("web", 27, nodePort: 32000 + Random.Shared.Next(0, 700));
        await _env.SetEndpointsAsync("web", [backend]);
        await _env.WaitForEndpointsAsync("web", 1);
        await _env.StopProxyAsync();
        Assert.NotEqual("", await _env.OurRulesAsync());

        var options = _env.Options;
        var cleanup = await HostCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "minikube-proxy.dll"), "--cleanup",
            "--iptables-chain-prefix", options.ChainPrefix, "--bridge-name", options.BridgeName, "--service-cluster-ip-range", options.ServiceClusterIPRange.ToString(),
            "--cluster-dns-ip", options.ClusterDnsIP.ToString()]);
        Assert.True(cleanup.Succeeded, cleanup.StandardError);
        Assert.Contains("cleanup removed", cleanup.StandardError, StringComparison.Ordinal);
        await _env.AssertHostRestoredAsync();
    }
}
