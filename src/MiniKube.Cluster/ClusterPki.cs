using System.Net;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Client;
using MiniKube.Security;

namespace MiniKube.Cluster;

/// <summary>A certificate file and its private key file (PEM; the key 0600).</summary>
public sealed record CertificatePair(string Certificate, string Key);

/// <summary>
/// Names (DNS names or IP addresses) the serving certificates carry besides their own, as kubeadm's
/// <c>--apiserver-cert-extra-sans</c>: where a cluster's components dial each other by names of their own (the compose
/// services, a kubelet's <c>--address</c>).
/// </summary>
public sealed record ExtraSans
{
    public static readonly ExtraSans None = new();

    public IReadOnlyList<string> ApiServer { get; init; } = [];

    /// <summary>For etcd's server and peer certificates (peers check each other's SANs against the address they come from).</summary>
    public IReadOnlyList<string> Etcd { get; init; } = [];

    /// <summary>For every kubelet's serving certificate.</summary>
    public IReadOnlyList<string> Kubelet { get; init; } = [];
}

/// <summary>
/// The cluster's PKI under <c>$MINIKUBE_HOME/pki</c>, laid out as kubeadm lays out <c>/etc/kubernetes/pki</c>: one cluster CA
/// (10 years), and from it (1 year each) the API server's serving certificate, a client certificate per component identity,
/// etcd's server and peer certificates and each kubelet's client and serving certificates. Made on the first <c>up</c>;
/// later ones reuse every file and only add what is missing (a node added since), so restarted components and the
/// kubeconfig keep working. Keys are ECDSA P-256, written 0600 from the start, each file moved into place whole.
/// </summary>
public sealed class ClusterPki(string directory)
{
    /// <summary>The user names (certificate CNs) and groups (O) the API server sees, Kubernetes' where it has them.</summary>
    public const string AdminUser = "kubernetes-admin";
    public const string SchedulerUser = "system:kube-scheduler";
    public const string ControllerManagerUser = "system:kube-controller-manager";
    public const string ProxyUser = "system:kube-proxy";
    public const string NodesGroup = "system:nodes";
    public const string MastersGroup = "system:masters";
    public const string ApiServerKubeletClientUser = "kube-apiserver-kubelet-client";
    public const string ApiServerEtcdClientUser = "kube-apiserver-etcd-client";
    public const string DashboardUser = BootstrapPolicy.DashboardUser;

    /// <summary>Names the API servers answer to: loopback, the compose services and the in-cluster Service names.</summary>
    public static readonly IReadOnlyList<string> ApiServerDnsNames =
    [
        "localhost", "apiserver", "apiserver-1", "apiserver-2", "apiserver-3",
        "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc." + MiniKube.Api.WellKnownDns.ClusterDomain,
    ];

    private static readonly IPAddress[] Loopback = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>Loopback and the <c>kubernetes</c> Service's ClusterIP (the first of <see cref="ProxyIdentity.ServiceRange"/>), for pods.</summary>
    private static readonly IPAddress[] ApiServerAddresses = [.. Loopback, IPAddress.Parse("10.96.0.1")];

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string Directory { get; } = directory;

    public string CaCertificate => Path.Combine(Directory, "ca.crt");

    public string CaKey => Path.Combine(Directory, "ca.key");

    public CertificatePair ApiServer => Pair("apiserver");

    public CertificatePair ApiServerKubeletClient => Pair("apiserver-kubelet-client");

    public CertificatePair ApiServerEtcdClient => Pair("apiserver-etcd-client");

    public CertificatePair EtcdServer => Pair(Path.Combine("etcd", "server"));

    public CertificatePair EtcdPeer => Pair(Path.Combine("etcd", "peer"));

    public CertificatePair Admin => Pair("admin");

    public CertificatePair Scheduler => Pair("scheduler");

    public CertificatePair ControllerManager => Pair("controller-manager");

    public CertificatePair Proxy => Pair("proxy");

    public CertificatePair Dashboard => Pair("dashboard");

    /// <summary>The kubelet of <paramref name="node"/> as a client of the API server (<c>system:node:NODE</c>).</summary>
    public CertificatePair KubeletClient(string node) => Pair(Path.Combine("kubelets", node + "-client"));

    /// <summary>The serving certificate of <paramref name="node"/>'s kubelet API.</summary>
    public CertificatePair KubeletServing(string node) => Pair(Path.Combine("kubelets", node + "-serving"));

    /// <summary>Kubernetes' user name of a node's kubelet.</summary>
    public static string NodeUser(string node) => "system:node:" + node;

    /// <summary>Whether the CA exists (a cluster made before <c>cluster up</c> issued certificates has none until its next up).</summary>
    public bool Exists => File.Exists(CaCertificate) && File.Exists(CaKey);

    /// <summary>
    /// Makes every missing file for a cluster with <paramref name="nodes"/>; the names of the files made (none when all existed).
    /// A serving certificate that exists but lacks one of <paramref name="extra"/>'s names is an error (kept, not replaced:
    /// running components and copies of it would stop matching), as kubeadm refuses one with the wrong SANs.
    /// </summary>
    public IReadOnlyList<string> Ensure(IEnumerable<string> nodes, TimeProvider time, ExtraSans? extra = null)
    {
        extra ??= ExtraSans.None;
        CreateDirectory(Directory);
        CreateDirectory(Path.Combine(Directory, "etcd"));
        CreateDirectory(Path.Combine(Directory, "kubelets"));
        var made = new List<string>();
        if (!Exists)
        {
            using var created = CertificateAuthority.Create("minikube-ca", CertificateAuthority.DefaultCaValidity, time);
            Write(created.Certificate, new CertificatePair(CaCertificate, CaKey));
            made.Add(CaCertificate);
        }
        using var ca = CertificateAuthority.Load(CaCertificate, CaKey, time);
        var api = Names([.. ApiServerDnsNames], ApiServerAddresses, extra.ApiServer);
        var etcd = Names(["localhost"], Loopback, extra.Etcd);
        var wanted = new List<(CertificatePair Pair, Func<X509Certificate2> Issue, IReadOnlyList<string> Extra)>
        {
            (ApiServer, () => ca.IssueServing("kube-apiserver", api.Dns, api.Ips), extra.ApiServer),
            (ApiServerKubeletClient, () => ca.IssueClient(ApiServerKubeletClientUser, [MastersGroup]), []),
            (ApiServerEtcdClient, () => ca.IssueClient(ApiServerEtcdClientUser, []), []),
            (EtcdServer, () => ca.IssuePeer("kube-etcd", etcd.Dns, etcd.Ips), extra.Etcd),
            (EtcdPeer, () => ca.IssuePeer("kube-etcd-peer", etcd.Dns, etcd.Ips), extra.Etcd),
            (Admin, () => ca.IssueClient(AdminUser, [MastersGroup]), []),
            (Scheduler, () => ca.IssueClient(SchedulerUser, []), []),
            (ControllerManager, () => ca.IssueClient(ControllerManagerUser, []), []),
            (Proxy, () => ca.IssueClient(ProxyUser, []), []),
            (Dashboard, () => ca.IssueClient(DashboardUser, []), []),
        };
        foreach (var node in nodes)
        {
            var kubelet = Names(["localhost", node], Loopback, extra.Kubelet);
            wanted.Add((KubeletClient(node), () => ca.IssueClient(NodeUser(node), [NodesGroup]), []));
            wanted.Add((KubeletServing(node), () => ca.IssueServing(node, kubelet.Dns, kubelet.Ips), extra.Kubelet));
        }
        foreach (var (pair, issue, extraNames) in wanted)
        {
            if (File.Exists(pair.Certificate) && File.Exists(pair.Key))
            {
                CheckSans(pair, extraNames);
                continue;
            }
            using var certificate = issue();
            Write(certificate, pair);
            made.Add(pair.Certificate);
        }
        return made;
    }

    /// <summary>The four client flags (kubectl's names) that make a component present <paramref name="identity"/> and trust the CA.</summary>
    public IReadOnlyList<string> ClientFlags(CertificatePair identity) =>
        ["--certificate-authority", CaCertificate, "--client-certificate", identity.Certificate, "--client-key", identity.Key];

    /// <summary>etcdctl's flags to reach the cluster's managed etcd (TLS, client-certificate auth) as the API servers do.</summary>
    public IReadOnlyList<string> EtcdctlFlags() =>
        ["--cacert", CaCertificate, "--cert", ApiServerEtcdClient.Certificate, "--key", ApiServerEtcdClient.Key];

    /// <summary>The admin's credentials (for <c>cluster up</c>'s own probes and <c>cluster status</c>); none when there is no PKI.</summary>
    public ClientCredentials AdminCredentials() => Exists
        ? new ClientCredentials
        {
            CertificateAuthorities = PemFiles.ReadBundle(CaCertificate),
            ClientCertificate = PemFiles.ReadCertificateWithKey(Admin.Certificate, Admin.Key),
        }
        : ClientCredentials.None;

    /// <summary>Removes the directory (<c>down --purge</c>).</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>The built-in names plus the extra ones, each extra sorted into DNS names and IP addresses, without repeats.</summary>
    private static (string[] Dns, IPAddress[] Ips) Names(string[] dns, IPAddress[] ips, IReadOnlyList<string> extra) =>
        ([.. dns.Concat(extra.Where(n => !IPAddress.TryParse(n, out _))).Distinct(StringComparer.OrdinalIgnoreCase)],
         [.. ips.Concat(extra.Select(n => IPAddress.TryParse(n, out var ip) ? ip : null).OfType<IPAddress>()).Distinct()]);

    /// <summary>Throws when the existing certificate of <paramref name="pair"/> does not name all of <paramref name="names"/>.</summary>
    private static void CheckSans(CertificatePair pair, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(pair.Certificate);
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var dns = san?.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var ips = san?.EnumerateIPAddresses().ToHashSet() ?? [];
        var missing = names.Where(n => IPAddress.TryParse(n, out var ip) ? !ips.Contains(ip) : !dns.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new ClusterException($"{pair.Certificate}: the existing certificate is not valid for {string.Join(", ", missing)}; " +
                "delete it and its key to make one with the new names (clients that copied it need the new one)");
        }
    }

    private CertificatePair Pair(string name) => new(Path.Combine(Directory, name + ".crt"), Path.Combine(Directory, name + ".key"));

    /// <summary>Both files under temporary names, then moved into place key first: a certificate that exists always has its key.</summary>
    private static void Write(X509Certificate2 certificate, CertificatePair pair)
    {
        var certificateTemporary = pair.Certificate + ".tmp";
        var keyTemporary = pair.Key + ".tmp";
        PemFiles.Write(certificate, certificateTemporary, keyTemporary);
        File.Move(keyTemporary, pair.Key, overwrite: true);
        File.Move(certificateTemporary, pair.Certificate, overwrite: true);
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }
}
