using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// A pod calls the API the way Kubernetes users expect, on a real <c>cluster up</c> (real Docker, proxy iptables, TLS, RBAC):
/// the <c>default/kubernetes</c> Service at the first address of the cluster's Service range (10.96.0.1 for the default
/// cluster; this test's named cluster has a /24 of its own, <see cref="ProxyIdentity"/>) on 443, the Service environment variables, and from inside a pod (the
/// local <c>minikube/curl</c> image: busybox's wget cannot do TLS with the cluster's ECDSA certificates) a request to <c>https://kubernetes.default.svc</c> and to <c>$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT</c> with the
/// mounted token: 403 without a RoleBinding, the pod list with one. The host reaches the ClusterIP too.
/// </summary>
public sealed class ClusterKubernetesServiceTests : IAsyncLifetime
{
    private const string Mount = "/var/run/secrets/kubernetes.io/serviceaccount";
    private readonly TempHome _home = new();
    private readonly string _name = "ksvc-" + Guid.NewGuid().ToString("N")[..6];

    public Task InitializeAsync() => Task.CompletedTask;

    [DockerFact]
    public async Task A_pod_reaches_the_api_through_the_kubernetes_service_with_its_token()
    {
        var up = await _home.MinictlAsync("cluster", "up", "--nodes", "1", "--name", _name);
        Assert.True(up.ExitCode == 0, up.ToString());
        var pki = _home.Home.Pki;
        var ip = ProxyIdentity.For(_name).KubernetesServiceIP;
        Assert.StartsWith("10.96.", ip, StringComparison.Ordinal);
        Assert.NotEqual("10.96.0.1", ip);
        var ipPattern = System.Text.RegularExpressions.Regex.Escape(ip);

        // kubectl shows it as Kubernetes does.
        var svc = await _home.KubectlAsync("get", "svc", "kubernetes", "--no-headers");
        Assert.Matches($@"^kubernetes\s+ClusterIP\s+{ipPattern}\s+<none>\s+443/TCP\s+", svc.StandardOutput);
        var minictl = await _home.MinictlAsync("get", "svc", "-n", "default");
        Assert.True(minictl.ExitCode == 0, minictl.ToString());
        Assert.Matches($@"(?m)^kubernetes\s+ClusterIP\s+{ipPattern}\s+<none>\s+443/TCP\s+", minictl.Out);

        var manifest = Path.Combine(_home.Directory, "client.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: minikube/curl:1.0
                command: ["sh", "-c", "sleep 3600"]
            """);
        Assert.Equal(0, (await _home.MinictlAsync("create", "-f", manifest)).ExitCode);
        await _home.KubectlAsync("wait", "--for=condition=Ready", "pod/client", "--timeout=90s");

        var env = (await _home.KubectlAsync("exec", "client", "--", "env")).StandardOutput;
        Assert.Contains($"KUBERNETES_SERVICE_HOST={ip}\n", env, StringComparison.Ordinal);
        Assert.Contains("KUBERNETES_SERVICE_PORT=443\n", env, StringComparison.Ordinal);
        Assert.Contains($"KUBERNETES_PORT=tcp://{ip}:443\n", env, StringComparison.Ordinal);

        // curl checks the serving certificate: it must chain to the mounted ca.crt (this cluster's CA) and name
        // kubernetes.default.svc or the Service's IP. RBAC then answers for system:serviceaccount:default:default.
        string Call(string url) =>
            $"curl -sS --max-time 10 --cacert {Mount}/ca.crt -H \"Authorization: Bearer $(cat {Mount}/token)\" {url}/api/v1/namespaces/default/pods -w '\\ncode=%{{http_code}}' 2>&1";
        var denied = (await _home.KubectlAsync("exec", "client", "--", "sh", "-c", Call("https://kubernetes.default.svc"))).StandardOutput;
        Assert.Contains("code=403", denied, StringComparison.Ordinal);
        Assert.Contains("pods is forbidden: User \\\"system:serviceaccount:default:default\\\" cannot list resource \\\"pods\\\"", denied, StringComparison.Ordinal);

        var binding = Path.Combine(_home.Directory, "binding.yaml");
        await File.WriteAllTextAsync(binding, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: default-view
              namespace: default
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: view
            subjects:
            - kind: ServiceAccount
              name: default
              namespace: default
            """);
        Assert.Equal(0, (await _home.MinictlAsync("create", "-f", binding)).ExitCode);
        var allowed = await Eventually.WaitAsync(
            async () => (await _home.KubectlAsync("exec", "client", "--", "sh", "-c", Call("https://kubernetes.default.svc"))).StandardOutput,
            o => o.Contains("code=200", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the pod lists pods once the RoleBinding is enforced");
        Assert.Contains("\"PodList\"", allowed, StringComparison.Ordinal);
        Assert.Contains("\"client\"", allowed, StringComparison.Ordinal);

        var byEnv = (await _home.KubectlAsync("exec", "client", "--", "sh", "-c", Call("https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"))).StandardOutput;
        Assert.Contains("\"PodList\"", byEnv, StringComparison.Ordinal);

        // The host reaches the ClusterIP as well (nat OUTPUT), and checks the certificate: its SANs name the Service's IP.
        var host = await TempHome.RunAsync("/usr/bin/curl", "-s", "--max-time", "10", "--cacert", pki.CaCertificate, "-o", "/dev/null", "-w", "%{http_code}",
            $"https://{ip}/api/v1/namespaces/default/pods");
        Assert.Equal("401", host.StandardOutput.Trim());
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _home.TearDownClusterAsync($"{_name}-node-1");
        }
        finally
        {
            _home.Dispose();
        }
    }
}
