using System.Net;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Cluster;
using MiniKube.Security;
using static MiniKube.Cli.Tests.Cluster.CertificateFiles;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary><see cref="ClusterPki"/>: the files, their subjects, SANs, usages, modes and lifetimes, and reuse on a later up.</summary>
public sealed class ClusterPkiTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pki-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ClusterPki _pki;

    public ClusterPkiTests() => _pki = new ClusterPki(Path.Combine(_directory, "pki"));

    private static CertificatePair[] Identities(ClusterPki pki) =>
    [
        pki.ApiServer, pki.ApiServerKubeletClient, pki.ApiServerEtcdClient, pki.EtcdServer, pki.EtcdPeer, pki.Admin, pki.Scheduler,
        pki.ControllerManager, pki.Proxy, pki.Dashboard, pki.KubeletClient("n1"), pki.KubeletServing("n1"), pki.KubeletClient("n2"),
        pki.KubeletServing("n2"),
    ];

    [Fact]
    public void Ensure_makes_every_file_with_private_keys_and_a_private_directory()
    {
        var made = _pki.Ensure(["n1", "n2"], TimeProvider.System);

        Assert.Equal(1 + Identities(_pki).Length, made.Count);
        Assert.Equal(OwnerOnly, new FileInfo(_pki.CaKey).UnixFileMode);
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, new DirectoryInfo(_pki.Directory).UnixFileMode);
        foreach (var pair in Identities(_pki))
        {
            Assert.True(File.Exists(pair.Certificate), pair.Certificate);
            Assert.True(OwnerOnly == new FileInfo(pair.Key).UnixFileMode, $"{pair.Key}: {new FileInfo(pair.Key).UnixFileMode}");
            using var certificate = PemFiles.ReadCertificateWithKey(pair.Certificate, pair.Key);
            Assert.True(ChainsToCa(certificate), pair.Certificate + " does not chain to ca.crt");
        }
        Assert.Empty(Directory.EnumerateFiles(_pki.Directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Subjects_are_kubernetes_user_names_and_groups()
    {
        _pki.Ensure(["n1"], TimeProvider.System);

        Assert.Equal("O=system:masters, CN=kubernetes-admin", Load(_pki.Admin).Subject);
        Assert.Equal("CN=system:kube-scheduler", Load(_pki.Scheduler).Subject);
        Assert.Equal("CN=system:kube-controller-manager", Load(_pki.ControllerManager).Subject);
        Assert.Equal("CN=system:kube-proxy", Load(_pki.Proxy).Subject);
        Assert.Equal("CN=minikube-dashboard", Load(_pki.Dashboard).Subject);
        Assert.Equal("O=system:nodes, CN=system:node:n1", Load(_pki.KubeletClient("n1")).Subject);
        Assert.Equal("O=system:masters, CN=kube-apiserver-kubelet-client", Load(_pki.ApiServerKubeletClient).Subject);
        Assert.Equal("CN=kube-apiserver-etcd-client", Load(_pki.ApiServerEtcdClient).Subject);
        foreach (var client in new[] { _pki.Admin, _pki.Scheduler, _pki.KubeletClient("n1"), _pki.ApiServerEtcdClient })
        {
            Assert.Equal([ClientAuth], Usages(Load(client)));
        }
    }

    [Fact]
    public void Serving_certificates_carry_the_sans_clients_dial()
    {
        _pki.Ensure(["n1"], TimeProvider.System);

        var api = Sans(Load(_pki.ApiServer));
        foreach (var name in new[] { "localhost", "apiserver", "apiserver-1", "apiserver-3", "kubernetes.default.svc.cluster.local" })
        {
            Assert.Contains(name, api.Dns);
        }
        Assert.Equal(["127.0.0.1", "::1", "10.96.0.1"], api.Ips);
        Assert.Equal([ServerAuth], Usages(Load(_pki.ApiServer)));
        foreach (var etcd in new[] { _pki.EtcdServer, _pki.EtcdPeer })
        {
            Assert.Equal(["localhost"], Sans(Load(etcd)).Dns);
            Assert.Equal(["127.0.0.1", "::1"], Sans(Load(etcd)).Ips);
            // etcd's peers and its gRPC gateway dial with these: both usages.
            Assert.Equal([ServerAuth, ClientAuth], Usages(Load(etcd)));
        }
        Assert.Equal(["localhost", "n1"], Sans(Load(_pki.KubeletServing("n1"))).Dns);
        Assert.Equal(["127.0.0.1", "::1"], Sans(Load(_pki.KubeletServing("n1"))).Ips);
    }

    [Fact]
    public void The_ca_lasts_ten_years_and_leaves_one()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        _pki.Ensure(["n1"], time);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(_pki.CaCertificate);
        Assert.Equal(new DateTimeOffset(2036, 12, 1, 12, 0, 0, TimeSpan.Zero), ca.NotAfter.ToUniversalTime());
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(new DateTimeOffset(2027, 12, 4, 12, 0, 0, TimeSpan.Zero), Load(_pki.ApiServer).NotAfter.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2027, 12, 4, 12, 0, 0, TimeSpan.Zero), Load(_pki.KubeletClient("n1")).NotAfter.ToUniversalTime());
    }

    [Fact]
    public void A_second_ensure_reuses_every_file_and_adds_only_a_new_nodes()
    {
        _pki.Ensure(["n1"], TimeProvider.System);
        var before = Directory.EnumerateFiles(_pki.Directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        Assert.Empty(_pki.Ensure(["n1"], TimeProvider.System));
        var made = _pki.Ensure(["n1", "n2"], TimeProvider.System);

        Assert.Equal([_pki.KubeletClient("n2").Certificate, _pki.KubeletServing("n2").Certificate], made);
        foreach (var (file, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), file + " was rewritten");
        }
        Assert.True(ChainsToCa(Load(_pki.KubeletClient("n2"))), "the new node's certificate is not from the same CA");
    }

    [Fact]
    public void A_certificate_whose_key_is_missing_is_made_again()
    {
        _pki.Ensure(["n1"], TimeProvider.System);
        File.Delete(_pki.Scheduler.Key);

        Assert.Equal([_pki.Scheduler.Certificate], _pki.Ensure(["n1"], TimeProvider.System));
        using var scheduler = PemFiles.ReadCertificateWithKey(_pki.Scheduler.Certificate, _pki.Scheduler.Key);
        Assert.True(scheduler.HasPrivateKey);
    }

    [Fact]
    public void Delete_removes_the_directory_and_admin_credentials_load_only_with_a_ca()
    {
        Assert.Same(MiniKube.Client.ClientCredentials.None, _pki.AdminCredentials());
        _pki.Ensure(["n1"], TimeProvider.System);
        var admin = _pki.AdminCredentials();
        Assert.Equal("O=system:masters, CN=kubernetes-admin", admin.ClientCertificate!.Subject);
        Assert.Single(admin.CertificateAuthorities);

        _pki.Delete();

        Assert.False(Directory.Exists(_pki.Directory));
    }

    private bool ChainsToCa(X509Certificate2 certificate) => CertificateFiles.ChainsToCa(_pki, certificate);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
