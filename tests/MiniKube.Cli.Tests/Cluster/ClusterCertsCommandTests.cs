using System.Security.Cryptography.X509Certificates;
using MiniKube.Cluster;
using MiniKube.Security;
using static MiniKube.Cli.Tests.Cluster.CertificateFiles;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>
/// <c>minictl cluster certs</c>, run in-process as the compose clusters' certs.sh runs it: every file, the SANs the compose
/// names need, subjects and groups, 0600 keys, the two configs, reuse on a second run, and bad input.
/// </summary>
public sealed class ClusterCertsCommandTests : IDisposable
{
    private readonly TempHome _home = new();
    private readonly string _dir;
    private readonly ClusterPki _pki;

    public ClusterCertsCommandTests()
    {
        _dir = Path.Combine(_home.Directory, "compose-pki");
        _pki = new ClusterPki(_dir);
    }

    private string[] ComposeArgs(params string[] more) =>
    [
        "cluster", "certs", "--cert-dir", _dir,
        "--node-name", "compose-node-1,compose-node-2", "--node-name", "compose-node-3",
        "--apiserver-cert-extra-sans", "172.29.87.1",
        "--etcd-cert-extra-sans", "etcd,etcd-1,etcd-2", "--etcd-cert-extra-sans", "etcd-3",
        "--kubelet-cert-extra-sans", "172.29.87.1",
        "--minictl-server", "https://127.0.0.1:18081,https://127.0.0.1:18181",
        "--kubeconfig-server", "https://127.0.0.1:18080",
        "--cluster-name", "minikube-compose",
        .. more,
    ];

    private static readonly string[] Nodes = ["compose-node-1", "compose-node-2", "compose-node-3"];

    private CertificatePair[] Pairs() =>
    [
        new(_pki.CaCertificate, _pki.CaKey), _pki.ApiServer, _pki.ApiServerKubeletClient, _pki.ApiServerEtcdClient, _pki.EtcdServer,
        _pki.EtcdPeer, _pki.Admin, _pki.Scheduler, _pki.ControllerManager, _pki.Proxy, _pki.Dashboard,
        .. Nodes.SelectMany(n => new[] { _pki.KubeletClient(n), _pki.KubeletServing(n) }),
    ];

    [Fact]
    public async Task Writes_every_certificate_key_and_config_with_private_keys()
    {
        var run = await _home.MinictlAsync(ComposeArgs());

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Err);
        // 17 pairs, the service account key pair and the encryption config.
        Assert.EndsWith($"PKI in {_dir}: 37 files made, 0 kept\n", run.Out, StringComparison.Ordinal);
        Assert.Contains("made kubelets/compose-node-3-serving.key\n", run.Out, StringComparison.Ordinal);
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, new DirectoryInfo(_dir).UnixFileMode);
        foreach (var pair in Pairs())
        {
            Assert.True(OwnerOnly == new FileInfo(pair.Key).UnixFileMode, $"{pair.Key}: {new FileInfo(pair.Key).UnixFileMode}");
            using var certificate = PemFiles.ReadCertificateWithKey(pair.Certificate, pair.Key);
            Assert.True(certificate.HasPrivateKey, pair.Certificate);
            Assert.True(ChainsToCa(certificate), pair.Certificate + " does not chain to ca.crt");
        }
        var saKey = ServiceAccountKeyFiles.KeyFile(_dir);
        var encryption = Path.Combine(_dir, ClusterCerts.EncryptionConfigName);
        Assert.Equal(OwnerOnly, new FileInfo(saKey).UnixFileMode);
        Assert.Equal(OwnerOnly, new FileInfo(encryption).UnixFileMode);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(ServiceAccountKeyFiles.PublicKeyFile(_dir)), StringComparison.Ordinal);
        // The same file the API server loads: one aesgcm key, then identity.
        var storage = MiniKube.Storage.EncryptionConfiguration.Load(encryption);
        Assert.NotNull(storage);
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Serving_certificates_name_the_compose_services_and_addresses()
    {
        Assert.Equal(0, (await _home.MinictlAsync(ComposeArgs())).ExitCode);

        var api = Sans(_pki.ApiServer);
        Assert.Equal(["127.0.0.1", "::1", "10.96.0.1", "172.29.87.1"], api.Ips);
        foreach (var name in new[] { "localhost", "apiserver", "apiserver-1", "apiserver-2", "apiserver-3" })
        {
            Assert.Contains(name, api.Dns);
        }
        foreach (var etcd in new[] { _pki.EtcdServer, _pki.EtcdPeer })
        {
            Assert.Equal(["localhost", "etcd", "etcd-1", "etcd-2", "etcd-3"], Sans(etcd).Dns);
            Assert.Equal(["127.0.0.1", "::1"], Sans(etcd).Ips);
            Assert.Equal([ServerAuth, ClientAuth], Usages(etcd));
        }
        foreach (var node in Nodes)
        {
            Assert.Equal(["localhost", node], Sans(_pki.KubeletServing(node)).Dns);
            Assert.Equal(["127.0.0.1", "::1", "172.29.87.1"], Sans(_pki.KubeletServing(node)).Ips);
            Assert.Equal([ServerAuth], Usages(_pki.KubeletServing(node)));
        }
    }

    [Fact]
    public async Task Subjects_are_the_users_and_groups_the_api_server_authorizes()
    {
        Assert.Equal(0, (await _home.MinictlAsync(ComposeArgs())).ExitCode);

        Assert.Equal("O=system:nodes, CN=system:node:compose-node-2", Load(_pki.KubeletClient("compose-node-2")).Subject);
        Assert.Equal("O=system:masters, CN=kubernetes-admin", Load(_pki.Admin).Subject);
        Assert.Equal("CN=system:kube-scheduler", Load(_pki.Scheduler).Subject);
        Assert.Equal("CN=system:kube-controller-manager", Load(_pki.ControllerManager).Subject);
        Assert.Equal("CN=system:kube-proxy", Load(_pki.Proxy).Subject);
        Assert.Equal("CN=minikube-dashboard", Load(_pki.Dashboard).Subject);
        Assert.Equal("O=system:masters, CN=kube-apiserver-kubelet-client", Load(_pki.ApiServerKubeletClient).Subject);
        Assert.Equal("CN=kube-apiserver-etcd-client", Load(_pki.ApiServerEtcdClient).Subject);
        Assert.Equal([ClientAuth], Usages(_pki.KubeletClient("compose-node-1")));
    }

    [Fact]
    public async Task The_admin_gets_a_minictl_client_config_and_a_kubeconfig_naming_its_files()
    {
        Assert.Equal(0, (await _home.MinictlAsync(ComposeArgs())).ExitCode);

        var config = File.ReadAllLines(Path.Combine(_dir, ClusterCerts.MinictlConfigName));
        Assert.Equal(
            ["server: https://127.0.0.1:18081,https://127.0.0.1:18181", $"certificate-authority: {_pki.CaCertificate}",
             $"client-certificate: {_pki.Admin.Certificate}", $"client-key: {_pki.Admin.Key}"],
            config.Where(l => !l.StartsWith('#')));
        var kubeconfig = File.ReadAllText(Path.Combine(_dir, ClusterCerts.KubeconfigName));
        Assert.Contains("server: https://127.0.0.1:18080", kubeconfig, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data: " + Convert.ToBase64String(File.ReadAllBytes(_pki.CaCertificate)), kubeconfig, StringComparison.Ordinal);
        Assert.Contains("client-key: " + _pki.Admin.Key, kubeconfig, StringComparison.Ordinal);
        Assert.Contains("current-context: minikube-compose", kubeconfig, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", kubeconfig, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_run_keeps_every_file_and_adds_only_a_new_node()
    {
        Assert.Equal(0, (await _home.MinictlAsync(ComposeArgs())).ExitCode);
        var before = Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var again = await _home.MinictlAsync(ComposeArgs());
        var more = await _home.MinictlAsync(ComposeArgs("--node-name", "compose-node-4"));

        Assert.Equal($"PKI in {_dir}: 0 files made, 37 kept\n", again.Out);
        Assert.Equal($"made kubelets/compose-node-4-client.crt\nmade kubelets/compose-node-4-client.key\n" +
            $"made kubelets/compose-node-4-serving.crt\nmade kubelets/compose-node-4-serving.key\nPKI in {_dir}: 4 files made, 37 kept\n", more.Out);
        foreach (var (file, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), file + " was rewritten");
        }
        Assert.True(ChainsToCa(Load(_pki.KubeletServing("compose-node-4"))), "the new node's certificate is not from the same CA");
    }

    [Fact]
    public async Task A_kept_serving_certificate_without_a_newly_asked_san_is_an_error_naming_the_file()
    {
        Assert.Equal(0, (await _home.MinictlAsync(ComposeArgs())).ExitCode);
        var before = File.ReadAllBytes(_pki.ApiServer.Certificate);

        var run = await _home.MinictlAsync("cluster", "certs", "--cert-dir", _dir, "--apiserver-cert-extra-sans", "172.29.87.1,apiserver-4");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: {_pki.ApiServer.Certificate}: the existing certificate is not valid for apiserver-4; delete it and its key " +
            "to make one with the new names (clients that copied it need the new one)\n", run.Err);
        Assert.Equal(before, File.ReadAllBytes(_pki.ApiServer.Certificate));
    }

    [Theory]
    [InlineData(new string[0], "error: --cert-dir: Required value: the directory to write the certificates and keys to\n")]
    [InlineData(new[] { "--cert-dir", "DIR", "--node-name", "ok,Bad_Node" },
        "error: --node-name[1]: Invalid value: \"Bad_Node\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character\n")]
    [InlineData(new[] { "--cert-dir", "DIR", "--node-name", "n1,n1" }, "error: --node-name[1]: Duplicate value: \"n1\"\n")]
    [InlineData(new[] { "--cert-dir", "DIR", "--etcd-cert-extra-sans", "etcd,etcd_2" },
        "error: --etcd-cert-extra-sans[1]: Invalid value: \"etcd_2\": altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards\n")]
    [InlineData(new[] { "--cert-dir", "DIR", "--minictl-server", "https://127.0.0.1:1,http://127.0.0.1:2" },
        "error: --minictl-server[1]: Invalid value: \"http://127.0.0.1:2\": must be an https:// URL (host and port)\n")]
    [InlineData(new[] { "--cert-dir", "DIR", "--kubeconfig-server", "127.0.0.1:18080", "--apiserver-cert-extra-sans", "*.example.com,-x" },
        "error: --apiserver-cert-extra-sans[1]: Invalid value: \"-x\": altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards\n" +
        "error: --kubeconfig-server: Invalid value: \"127.0.0.1:18080\": must be an https:// URL (host and port)\n")]
    public async Task Bad_input_is_a_path_qualified_error_and_writes_nothing(string[] args, string error)
    {
        var run = await _home.MinictlAsync(["cluster", "certs", .. args.Select(a => a == "DIR" ? _dir : a)]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(error, run.Err);
        Assert.False(Directory.Exists(_dir), "a refused run made " + _dir);
    }

    [Fact]
    public async Task A_cert_dir_that_is_a_file_is_refused()
    {
        var file = Path.Combine(_home.Directory, "a-file");
        await File.WriteAllTextAsync(file, "x");

        var run = await _home.MinictlAsync("cluster", "certs", "--cert-dir", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: --cert-dir: Invalid value: \"{file}\": is a file, not a directory\n", run.Err);
    }

    private bool ChainsToCa(X509Certificate2 certificate) => CertificateFiles.ChainsToCa(_pki, certificate);

    private static string[] Usages(CertificatePair pair) => CertificateFiles.Usages(Load(pair));

    private static (string[] Dns, string[] Ips) Sans(CertificatePair pair) => CertificateFiles.Sans(Load(pair));

    public void Dispose() => _home.Dispose();
}
