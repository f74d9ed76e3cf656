using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Cluster;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// <c>cluster up</c> with security on: a PKI under the cluster's home (0600 keys, kept across down and up, removed by
/// <c>--purge</c>), API servers that refuse requests without credentials on both wires, and every client — minictl with no
/// flags, the real kubectl with the written kubeconfig, and the components (a pod is scheduled, started and reported Running)
/// — authenticated by its certificate and authorized by RBAC.
/// </summary>
public sealed class ClusterSecurityTests : IAsyncLifetime
{
    private static readonly UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempHome _home = new();
    private readonly string _name = "sec-" + Guid.NewGuid().ToString("N")[..6];

    public Task InitializeAsync() => Task.CompletedTask;

    [DockerFact]
    public async Task Up_secures_the_cluster_and_every_client_still_works()
    {
        var pki = _home.Home.Pki;
        Assert.False(Directory.Exists(pki.Directory));
        // The managed etcd, so its TLS is part of what is tested.
        var up = await _home.MinictlAsync("cluster", "up", "--nodes", "1", "--name", _name);
        Assert.True(up.ExitCode == 0, up.ToString());
        var node = $"{_name}-node-1";

        // The PKI: every key owner-only.
        var keys = Directory.EnumerateFiles(pki.Directory, "*.key", SearchOption.AllDirectories).ToList();
        Assert.Contains(pki.CaKey, keys);
        Assert.Contains(pki.KubeletClient(node).Key, keys);
        Assert.All(keys, key => Assert.True(new FileInfo(key).UnixFileMode == OwnerOnly, $"{key}: {new FileInfo(key).UnixFileMode}"));
        var before = Directory.EnumerateFiles(pki.Directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

        var state = new ClusterStateStore(_home.Home).Load()!;
        Assert.StartsWith("https://127.0.0.1:", state.ServerUrl, StringComparison.Ordinal);
        var api = state.Components.Single(c => c.Name == "apiserver").Command.ToList();
        Assert.Equal("Node,RBAC", api[api.IndexOf("--authorization-mode") + 1]);
        Assert.Equal(pki.CaCertificate, api[api.IndexOf("--client-ca-file") + 1]);

        // No credentials: 401 on REST (curl -k) and on gRPC (a client that trusts the CA but presents nothing).
        var curl = await TempHome.RunAsync("/usr/bin/curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", state.ApiHttpUrl + "/api/v1/namespaces/default/pods");
        Assert.Equal("401", curl.StandardOutput.Trim());
        var readyz = await TempHome.RunAsync("/usr/bin/curl", "-sk", state.ApiHttpUrl + "/readyz");
        Assert.Equal("ok", readyz.StandardOutput.Trim());
        using (var anonymous = new MiniKubeClient(state.ServerUrl, new ClientCredentials { CertificateAuthorities = PemFiles.ReadBundle(pki.CaCertificate) }))
        {
            var refused = await Assert.ThrowsAsync<ApiException>(() => anonymous.ListAsync<Pod>("default"));
            Assert.Equal(StatusReasons.Unauthorized, refused.Reason);
        }

        // etcd: TLS with client-certificate auth. Without a certificate the handshake fails; with the API server's, etcdctl
        // reads what the API server stored; cluster status sees every member healthy through the same TLS.
        Assert.StartsWith("https://127.0.0.1:", state.EtcdEndpoints, StringComparison.Ordinal);
        var bare = await TempHome.RunAsync("/usr/bin/curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", state.EtcdEndpoints + "/health");
        Assert.True(bare.ExitCode != 0 && bare.StandardOutput.Trim() == "000", $"etcd answered without a client certificate: exit {bare.ExitCode}, {bare.StandardOutput}");
        var etcdctl = await TempHome.RunAsync("etcdctl", ["--endpoints", state.EtcdEndpoints, .. pki.EtcdctlFlags(), "get", "/registry/namespaces/default", "--keys-only"]);
        Assert.True(etcdctl.ExitCode == 0, etcdctl.StandardError);
        Assert.Equal("/registry/namespaces/default", etcdctl.StandardOutput.Trim());
        var status = await _home.MinictlAsync("cluster", "status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("etcd " + state.EtcdEndpoints + " (managed)", status.Out, StringComparison.Ordinal);

        // minictl with no flags is the admin (the client config names the CA and the admin's certificate).
        var whoami = await _home.MinictlAsync("auth", "can-i", "create", "clusterroles");
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Equal("yes", whoami.Out.Trim());

        // The real kubectl with the kubeconfig cluster up wrote.
        var nodes = await _home.KubectlAsync("get", "nodes", "-o", "name");
        Assert.Equal($"node/{node}", nodes.StandardOutput.Trim());

        // Scheduler, controller-manager and kubelet, each under its own identity: a Deployment's pod runs.
        var manifest = Path.Combine(_home.Directory, "web.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 1
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
                    command: ["sh", "-c", "sleep 3600"]
            """);
        var deployment = await _home.MinictlAsync("create", "-f", manifest);
        Assert.True(deployment.ExitCode == 0, deployment.ToString());
        using (var admin = new MiniKubeClient(state.ServerUrl, pki.AdminCredentials()))
        {
            var running = await Eventually.WaitAsync(
                async () => (await admin.ListAsync<Pod>("default")).Items.FirstOrDefault(p => p.Status?.Phase == "Running"),
                TimeSpan.FromSeconds(90), "a pod of deployment web Running on " + node);
            Assert.Equal(node, running.Spec!.NodeName);
            var pod = running.Metadata.Name!;

            // The API server reaches the kubelet over TLS with its kubelet-client certificate: exec works through it.
            var exec = await _home.KubectlAsync("exec", pod, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace");
            Assert.True(exec.ExitCode == 0, exec.StandardError);
            Assert.Equal("default", exec.StandardOutput.Trim());
            var ca = await _home.KubectlAsync("exec", pod, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
            Assert.Equal(File.ReadAllText(pki.CaCertificate).Trim(), ca.StandardOutput.Trim());

            // The pod's mounted token authenticates (as system:serviceaccount:default:default, which may not list pods).
            var token = (await _home.KubectlAsync("exec", pod, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token")).StandardOutput.Trim();
            Assert.False(string.IsNullOrEmpty(token), "no token mounted in " + pod);
            var asPod = await TempHome.RunAsync("/usr/bin/curl", "-s", "--cacert", pki.CaCertificate, "-H", "Authorization: Bearer " + token,
                state.ApiHttpUrl + "/api/v1/namespaces/default/pods");
            Assert.Contains("\"code\":403", asPod.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("system:serviceaccount:default:default", asPod.StandardOutput, StringComparison.Ordinal);

            // The kubelet's own port answers no one without credentials.
            var kubeletPort = (await admin.GetAsync<Node>(node, null)).Status!.DaemonEndpoints!.KubeletEndpoint!.Port;
            var kubelet = await TempHome.RunAsync("/usr/bin/curl", "-s", "--cacert", pki.CaCertificate, "-o", "/dev/null", "-w", "%{http_code}",
                string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{kubeletPort}/pods"));
            Assert.Equal("401", kubelet.StandardOutput.Trim());
        }

        // The dashboard, as minikube-dashboard: its nodes page lists the node (its informers list and watch over TLS).
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            await Eventually.WaitAsync(async () => (await http.GetStringAsync(state.DashboardUrl + "/nodes")).Contains(node, StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), $"the dashboard's /nodes page to show {node}");
        }

        // A second up (after down) reuses every file, and the clients still work.
        var down = await _home.MinictlAsync("cluster", "down");
        Assert.True(down.ExitCode == 0, down.ToString());
        var again = await _home.MinictlAsync("cluster", "up");
        Assert.True(again.ExitCode == 0, again.ToString());
        foreach (var (file, text) in before)
        {
            Assert.True(text == await File.ReadAllTextAsync(file), file + " was rewritten by the second up");
        }
        var list = await _home.MinictlAsync("get", "nodes");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(node, list.Out, StringComparison.Ordinal);

        var purge = await _home.MinictlAsync("cluster", "down", "--purge");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(Directory.Exists(pki.Directory), "down --purge left the PKI behind");
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
