namespace MiniKube.Cluster;

/// <summary>What <c>cluster certs</c> found and made: every file of the PKI, and those of them made by this run.</summary>
public sealed record CertsResult(string Directory, IReadOnlyList<string> Files, IReadOnlyList<string> Made)
{
    /// <summary>The certificates, keys and encryption config that existed before and were kept as they were.</summary>
    public IReadOnlyList<string> Kept =>
        [.. Files.Where(f => !Made.Contains(f) && Path.GetFileName(f) is not (ClusterCerts.MinictlConfigName or ClusterCerts.KubeconfigName))];
}

/// <summary>
/// <c>minictl cluster certs</c>: the PKI <c>cluster up</c> makes under <c>$MINIKUBE_HOME/pki</c> (<see cref="ClusterPki"/>, the
/// service account key pair, the encryption config), written to a directory of its own for a cluster of containers, plus the
/// admin's minictl client config and kubeconfig. A later run keeps every file and makes only what is missing.
/// </summary>
public sealed class ClusterCerts(TimeProvider time)
{
    public const string EncryptionConfigName = "encryption-config.yaml";
    public const string MinictlConfigName = "minictl.conf";
    public const string KubeconfigName = "admin.conf";

    public CertsResult Run(CertsOptions options)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            // One "error: " line each, as minictl prints every other failure.
            throw new ClusterException(string.Join("\nerror: ", errors));
        }
        var directory = Path.GetFullPath(options.CertDirectory!);
        var pki = new ClusterPki(directory);
        // Each certificate made comes with its key.
        var made = pki.Ensure(options.NodeNames, time, options.Sans).SelectMany(c => new[] { c, Path.ChangeExtension(c, ".key") }).ToList();
        if (ServiceAccountKeyFiles.Ensure(directory))
        {
            made.Add(ServiceAccountKeyFiles.KeyFile(directory));
            made.Add(ServiceAccountKeyFiles.PublicKeyFile(directory));
        }
        var encryption = Path.Combine(directory, EncryptionConfigName);
        if (EncryptionConfigFile.Ensure(encryption))
        {
            made.Add(encryption);
        }
        // Both name the admin's files by their host paths, so they are the host user's (the containers get flags instead).
        if (options.MinictlServer is { } server)
        {
            ClientConfigFile.Write(Path.Combine(directory, MinictlConfigName), server.Replace(" ", "", StringComparison.Ordinal), pki.CaCertificate, pki.Admin,
                "# Written by `minictl cluster certs`: MINIKUBE_CONFIG=" + MinictlConfigName + " makes minictl talk to this cluster as its admin.");
        }
        if (options.KubeconfigServer is { } rest)
        {
            Kubeconfig.AddCluster(Path.Combine(directory, KubeconfigName), options.ClusterName, rest, pki.CaCertificate, pki.Admin);
        }
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        return new CertsResult(directory, files, made);
    }
}
