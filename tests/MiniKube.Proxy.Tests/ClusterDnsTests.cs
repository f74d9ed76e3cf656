using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Proxy.Tests;

/// <summary>
/// The cluster DNS for real: queried through the kube-dns ClusterIP (DNATed by the proxy to the server on the Docker
/// bridge's gateway), over UDP and TCP, and from a busybox "pod" with a ClusterFirst resolv.conf (nslookup, wget by short name).
/// </summary>
[Collection(HostNetworkCollection.Name)]
public sealed class ClusterDnsTests : IAsyncLifetime
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

    private async Task<DnsMessage> QueryAsync(string name, RecordType type, bool tcp = false)
    {
        IClientTransport transport = tcp ? new TcpClientTransport(53) : new UdpClientTransport(53);
        var client = new DnsClient([_env.Options.ClusterDnsIP], [transport], false, 3000);
        var answer = await client.ResolveAsync(DomainName.Parse(name), type, RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = true });
        return answer ?? throw new InvalidOperationException($"no answer for {name} {type} from {_env.Options.ClusterDnsIP}");
    }

    [HostNetworkFact]
    public async Task Kube_dns_answers_a_srv_headless_nxdomain_and_refuses_outside_the_domain()
    {
        var b1 = await _env.StartBackendAsync("h1");
        var b2 = await _env.StartBackendAsync("h2");
        await _env.StartProxyAsync();
        var kubeDns = await _env.Api.Client.GetAsync<Service>(WellKnownDns.ServiceName, WellKnownDns.ServiceNamespace);
        Assert.Equal(_env.Options.ClusterDnsIP.ToString(), kubeDns.Spec!.ClusterIP);
        await _env.CreateServiceAsync("web", 30);
        await _env.Api.Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = "default" },
            Spec = new ServiceSpec { ClusterIP = "None", Ports = [new ServicePort { Name = "http", Port = 8080, Protocol = "TCP" }] },
        });
        await _env.SetEndpointsAsync("db", [b1, b2]);
        await _env.WaitForSyncAsync(ports => ports.Any(p => p.Name == "web"), "web");
        await Eventually.WaitAsync(async () => (await QueryAsync("db.default.svc.cluster.local", RecordType.A)).AnswerRecords.Count == 2,
            TimeSpan.FromSeconds(10), "the headless service's endpoints in DNS");

        var a = await QueryAsync("web.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NoError, a.ReturnCode);
        Assert.Equal(IPAddress.Parse(_env.ServiceIP(30)), Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords)).Address);
        var overTcp = await QueryAsync("web.default.svc.cluster.local", RecordType.A, tcp: true);
        Assert.Equal(IPAddress.Parse(_env.ServiceIP(30)), Assert.IsType<ARecord>(Assert.Single(overTcp.AnswerRecords)).Address);

        var srv = Assert.IsType<SrvRecord>(Assert.Single((await QueryAsync("_http._tcp.web.default.svc.cluster.local", RecordType.Srv)).AnswerRecords));
        Assert.Equal((80, "web.default.svc.cluster.local."), (srv.Port, srv.Target.ToString()));

        var headless = await QueryAsync("db.default.svc.cluster.local", RecordType.A);
        Assert.Equal(new[] { b1.Ip, b2.Ip }.Order(), headless.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order());
        Assert.Equal(b1.Ip, Assert.IsType<ARecord>(Assert.Single((await QueryAsync("h1.db.default.svc.cluster.local", RecordType.A)).AnswerRecords)).Address.ToString());

        // Answers are cached until a Service or EndpointSlice changes: one endpoint fewer is seen at once, not after an expiry.
        await _env.SetEndpointsAsync("db", [b1]);
        await Eventually.WaitAsync(async () => (await QueryAsync("db.default.svc.cluster.local", RecordType.A)).AnswerRecords.Count == 1,
            TimeSpan.FromSeconds(10), "the headless service's remaining endpoint in DNS");
        Assert.Equal(b1.Ip, Assert.IsType<ARecord>(Assert.Single((await QueryAsync("db.default.svc.cluster.local", RecordType.A)).AnswerRecords)).Address.ToString());

        Assert.Equal(ReturnCode.NxDomain, (await QueryAsync("missing.default.svc.cluster.local", RecordType.A)).ReturnCode);
        Assert.Equal(ReturnCode.Refused, (await QueryAsync("example.com", RecordType.A)).ReturnCode);
    }

    [HostNetworkFact]
    public async Task A_pod_resolves_and_reaches_a_service_by_its_short_name()
    {
        var backend = await _env.StartBackendAsync("w1");
        var client = await _env.StartClientAsync("dnsclient");
        await _env.StartProxyAsync();
        await _env.CreateServiceAsync("web", 31);
        await _env.SetEndpointsAsync("web", [backend]);
        await _env.WaitForEndpointsAsync("web", 1);

        var lookup = await ProxyEnvironment.ExecAsync(client, "nslookup web.default.svc.cluster.local");
        Assert.Contains(_env.ServiceIP(31), lookup, StringComparison.Ordinal);
        Assert.Equal("w1", (await ProxyEnvironment.ExecAsync(client, "timeout 10 wget -qO- http://web/")).Trim());
        Assert.Equal("w1", (await ProxyEnvironment.ExecAsync(client, "timeout 10 wget -qO- http://web.default.svc.cluster.local/")).Trim());
        var refused = await DockerCli.RunAsync(["exec", client, "nslookup", "example.com"], TimeSpan.FromSeconds(60));
        Assert.False(refused.Succeeded, refused.StandardOutput);
        Assert.Contains("REFUSED", refused.StandardOutput + refused.StandardError, StringComparison.OrdinalIgnoreCase);
    }
}
