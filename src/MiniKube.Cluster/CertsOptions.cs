using System.Net;
using MiniKube.Api;

namespace MiniKube.Cluster;

/// <summary>
/// The flags of <c>minictl cluster certs</c>: a cluster PKI in a directory of its own, for a cluster <c>cluster up</c> does not
/// run (the compose clusters), as <c>kubeadm init phase certs all --cert-dir</c>.
/// </summary>
public sealed record CertsOptions
{
    public const string CertDirFlag = "--cert-dir";
    public const string NodeNameFlag = "--node-name";
    public const string ApiServerSansFlag = "--apiserver-cert-extra-sans";
    public const string EtcdSansFlag = "--etcd-cert-extra-sans";
    public const string KubeletSansFlag = "--kubelet-cert-extra-sans";
    public const string MinictlServerFlag = "--minictl-server";
    public const string KubeconfigServerFlag = "--kubeconfig-server";
    public const string ClusterNameFlag = "--cluster-name";

    private const string SanMessage = "altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards";

    public string? CertDirectory { get; init; }

    /// <summary>The nodes that get a kubelet client certificate (<c>system:node:NAME</c>) and a serving certificate.</summary>
    public IReadOnlyList<string> NodeNames { get; init; } = [];

    public ExtraSans Sans { get; init; } = ExtraSans.None;

    /// <summary>The gRPC URL(s) of the admin's minictl client config (<c>minictl.conf</c>); none, no file.</summary>
    public string? MinictlServer { get; init; }

    /// <summary>The REST URL of the admin's kubeconfig (<c>admin.conf</c>); none, no file.</summary>
    public string? KubeconfigServer { get; init; }

    /// <summary>The kubeconfig's cluster, user and context name.</summary>
    public string ClusterName { get; init; } = UpOptions.DefaultName;

    /// <summary>Every problem, each led by the flag (and the index of a value in a list) it is about.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(CertDirectory))
        {
            errors.Add($"{CertDirFlag}: Required value: the directory to write the certificates and keys to");
        }
        else if (File.Exists(CertDirectory))
        {
            errors.Add($"{CertDirFlag}: Invalid value: \"{CertDirectory}\": is a file, not a directory");
        }
        for (var i = 0; i < NodeNames.Count; i++)
        {
            foreach (var problem in NameRules.IsDns1123Subdomain(NodeNames[i]))
            {
                errors.Add($"{NodeNameFlag}[{i}]: Invalid value: \"{NodeNames[i]}\": {problem}");
            }
        }
        if (NodeNames.Distinct(StringComparer.Ordinal).Count() != NodeNames.Count)
        {
            var duplicate = NodeNames.GroupBy(n => n, StringComparer.Ordinal).First(g => g.Count() > 1).Key;
            errors.Add($"{NodeNameFlag}[{NodeNames.ToList().LastIndexOf(duplicate)}]: Duplicate value: \"{duplicate}\"");
        }
        CheckSans(ApiServerSansFlag, Sans.ApiServer, errors);
        CheckSans(EtcdSansFlag, Sans.Etcd, errors);
        CheckSans(KubeletSansFlag, Sans.Kubelet, errors);
        if (MinictlServer is not null)
        {
            var urls = MinictlServer.Split(',');
            for (var i = 0; i < urls.Length; i++)
            {
                CheckHttpsUrl(urls.Length == 1 ? MinictlServerFlag : $"{MinictlServerFlag}[{i}]", urls[i].Trim(), errors);
            }
        }
        if (KubeconfigServer is not null)
        {
            CheckHttpsUrl(KubeconfigServerFlag, KubeconfigServer, errors);
        }
        foreach (var problem in NameRules.IsDns1123Subdomain(ClusterName))
        {
            errors.Add($"{ClusterNameFlag}: Invalid value: \"{ClusterName}\": {problem}");
        }
        return errors;
    }

    private static void CheckSans(string flag, IReadOnlyList<string> sans, List<string> errors)
    {
        for (var i = 0; i < sans.Count; i++)
        {
            var san = sans[i];
            // kubeadm's rule: an IP address, or a DNS subdomain whose first label may be the wildcard "*".
            var name = san.StartsWith("*.", StringComparison.Ordinal) ? san[2..] : san;
            if (!IPAddress.TryParse(san, out _) && NameRules.IsDns1123Subdomain(name).Count > 0)
            {
                errors.Add($"{flag}[{i}]: Invalid value: \"{san}\": {SanMessage}");
            }
        }
    }

    private static void CheckHttpsUrl(string flag, string value, List<string> errors)
    {
        // The PKI makes the cluster serve TLS only: a plaintext URL in a client file would never connect.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0)
        {
            errors.Add($"{flag}: Invalid value: \"{value}\": must be an https:// URL (host and port)");
        }
    }
}
