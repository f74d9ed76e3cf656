using System.Diagnostics;
using System.Net;
using System.Text;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// A real kubelet (simulated runtime) serving its API over TLS with <c>--client-ca-file</c>,
/// <c>--authentication-token-webhook</c> and <c>--authorization-mode Webhook</c>, against a real API server with
/// <c>--authorization-mode Node,RBAC</c> and <c>--kubelet-client-certificate</c>: curl without a certificate gets 401,
/// a user without nodes/proxy 403, the API server's kubelet-client user is served, and logs and exec through the API
/// server still work.
/// </summary>
public sealed class KubeletApiAuthenticationTests : IAsyncLifetime
{
    private const string AdminToken = "admin-token-kubelet-authn";
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-kubelet-authn-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-kubelet-authn-ca");
    private readonly string _node = "secure-" + Guid.NewGuid().ToString("N")[..6];
    private TestApiServer? _server;
    private KubeletHost? _kubelet;
    private MiniKubeClient? _admin;

    private string File(string name) => Path.Combine(_dir, name);

    public async Task InitializeAsync()
    {
        await System.IO.File.WriteAllTextAsync(File("ca.crt"), _ca.Certificate.ExportCertificatePem());
        await System.IO.File.WriteAllTextAsync(File("tokens.csv"), $"{AdminToken},admin,1,\"system:masters\"\n");
        Issue("apiserver", _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]));
        Issue("kubelet", _ca.IssueServing(_node, ["localhost"], [IPAddress.Loopback]));
        Issue("apiserver-kubelet-client", _ca.IssueClient(BootstrapPolicy.ApiServerKubeletClient, []));
        Issue("jane", _ca.IssueClient("jane", ["dev"]));
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TlsCertFile = File("apiserver.crt");
            o.TlsPrivateKeyFile = File("apiserver.key");
            o.ClientCAFile = File("ca.crt");
            o.TokenAuthFile = File("tokens.csv");
            o.AuthorizationMode = "Node,RBAC";
            o.KubeletClientCertificate = File("apiserver-kubelet-client.crt");
            o.KubeletClientKey = File("apiserver-kubelet-client.key");
            o.KubeletCertificateAuthority = File("ca.crt");
        });
        _admin = _server.NewClient(new ClientCredentials { BearerToken = AdminToken, CertificateAuthorities = [_ca.Certificate] });
        _kubelet = KubeletHost.Create(new KubeletOptions
        {
            Server = _server.GrpcAddress,
            Credentials = new ClientCredentials { ClientCertificate = _ca.IssueClient(NodeIdentity.UserName(_node), [NodeIdentity.NodesGroup]), CertificateAuthorities = [_ca.Certificate] },
            NodeName = _node,
            Runtime = RuntimeKinds.Simulated,
            Port = 0,
            RootDir = File("root"),
            SimulatedStartDelay = TimeSpan.FromMilliseconds(50),
            TlsCertFile = File("kubelet.crt"),
            TlsPrivateKeyFile = File("kubelet.key"),
            ClientCAFile = File("ca.crt"),
            AuthenticationTokenWebhook = true,
            AuthorizationMode = KubeletAuthorizationModes.Webhook,
        });
        await _kubelet.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Curl_without_a_certificate_gets_401_a_user_without_nodes_proxy_403_and_the_api_servers_user_is_served()
    {
        var url = $"https://127.0.0.1:{_kubelet!.Port}";

        var anonymous = await CurlAsync("-X", "POST", url + "/exec/default/web/app?command=id");
        var jane = await CurlAsync("--cert", File("jane.crt"), "--key", File("jane.key"), "-X", "POST", url + "/exec/default/web/app?command=id");
        var apiServer = await CurlAsync("--cert", File("apiserver-kubelet-client.crt"), "--key", File("apiserver-kubelet-client.key"), url + "/pods");
        var token = await CurlAsync("-H", "Authorization: Bearer " + AdminToken, url + "/stats/summary");
        var badToken = await CurlAsync("-H", "Authorization: Bearer not-a-token", url + "/pods");
        var health = await CurlAsync(url + "/healthz");

        Assert.Equal((401, "Unauthorized"), anonymous);
        Assert.Equal((403, "Forbidden (user=jane, verb=create, resource=nodes, subresource(s)=[proxy])"), jane);
        Assert.Equal(200, apiServer.Status);
        Assert.Contains("\"kind\":\"PodList\"", apiServer.Body, StringComparison.Ordinal);
        Assert.Equal(200, token.Status);
        Assert.Equal((401, "Unauthorized"), badToken);
        Assert.Equal((200, "ok"), health);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_ends_the_TLS_handshake()
    {
        using var other = CertificateAuthority.Create("someone-else-ca");
        using (var mallory = other.IssueClient(BootstrapPolicy.ApiServerKubeletClient, ["system:masters"]))
        {
            PemFiles.Write(mallory, File("mallory.crt"), File("mallory.key"));
        }
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-sS", "--cacert", File("ca.crt"), "--cert", File("mallory.crt"), "--key", File("mallory.key"),
                     $"https://127.0.0.1:{_kubelet!.Port}/pods" })
        {
            start.ArgumentList.Add(arg);
        }

        var output = await ProgramRunner.RunAsync(start, "curl with another CA's certificate", TimeSpan.FromSeconds(30));

        // No HTTP answer at all: curl reports a TLS failure (35), a receive failure (56) or an empty reply (52, the server
        // closed the connection after a TLS 1.3 handshake it rejected), never a status line.
        Assert.Contains(output.ExitCode, new[] { 35, 52, 56 });
        Assert.Equal("", output.StandardOutput);
    }

    [Fact]
    public async Task Logs_and_exec_through_the_api_server_still_work_with_the_kubelet_secured()
    {
        var name = "web-" + Guid.NewGuid().ToString("N")[..6];
        var pod = TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600"));
        await _admin!.CreateAsync(pod with { Spec = pod.Spec! with { NodeName = _node } });
        await Eventually.WaitAsync(() => _admin.GetAsync<Pod>(name, "default"), p => p.Status?.Phase == PodPhase.Running, TimeSpan.FromSeconds(30),
            "the pod Running on the secured kubelet");

        var logs = new StringBuilder();
        await foreach (var chunk in _admin.StreamLogsAsync("default", name, "app"))
        {
            logs.Append(chunk);
        }
        var exec = await _admin.ExecAsync("default", name, "app", ["true"]);

        Assert.StartsWith("simulated container ", logs.ToString(), StringComparison.Ordinal);
        Assert.Equal(new PodExecResult("", "", 0), exec);
    }

    private void Issue(string name, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        using (certificate)
        {
            PemFiles.Write(certificate, File(name + ".crt"), File(name + ".key"));
        }
    }

    /// <summary>curl against the kubelet, trusting the test CA; the HTTP status and body.</summary>
    private async Task<(int Status, string Body)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-sS", "--cacert", File("ca.crt"), "-w", "\n%{http_code}" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        var output = await ProgramRunner.RunAsync(start, "curl " + string.Join(' ', args), TimeSpan.FromSeconds(30));
        Assert.True(output.ExitCode == 0, $"curl {string.Join(' ', args)}: exit {output.ExitCode}: {output.StandardError}");
        var text = output.StandardOutput;
        var cut = text.LastIndexOf('\n');
        return (int.Parse(text[(cut + 1)..], System.Globalization.CultureInfo.InvariantCulture), text[..cut]);
    }
}
