using System.CommandLine;
using MiniKube.Cluster;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl cluster certs --cert-dir DIR …</c>: the PKI of <c>cluster up</c> for a cluster it does not run (the compose
/// clusters), as <c>kubeadm init phase certs all</c>: CA, serving and client certificates, the service account key pair, the
/// encryption config, and the admin's minictl client config and kubeconfig.
/// </summary>
public sealed class ClusterCertsCommand(CommandRunner runner)
{
    private readonly Option<string?> _certDir = new(CertsOptions.CertDirFlag) { Description = "The directory to write the CA, certificates, keys and configs to (made 0700; files already there are kept)" };
    private readonly Option<string[]> _nodes = List(CertsOptions.NodeNameFlag, "Nodes to make kubelet certificates for (client system:node:NAME in system:nodes, and serving); comma-separated or repeated");
    private readonly Option<string[]> _apiServerSans = List(CertsOptions.ApiServerSansFlag, "Extra SANs (IP addresses or DNS names) for the API server's serving certificate, besides 127.0.0.1, localhost, apiserver, apiserver-1..3 and kubernetes.default…");
    private readonly Option<string[]> _etcdSans = List(CertsOptions.EtcdSansFlag, "Extra SANs for etcd's server and peer certificates (the etcd members' names), besides 127.0.0.1 and localhost");
    private readonly Option<string[]> _kubeletSans = List(CertsOptions.KubeletSansFlag, "Extra SANs for every kubelet's serving certificate (the --address the API server dials), besides 127.0.0.1, localhost and the node name");
    private readonly Option<string?> _minictlServer = new(CertsOptions.MinictlServerFlag) { Description = $"Write {ClusterCerts.MinictlConfigName}, a minictl client config (MINIKUBE_CONFIG) for the admin, with these gRPC URLs (https, comma-separated)" };
    private readonly Option<string?> _kubeconfigServer = new(CertsOptions.KubeconfigServerFlag) { Description = $"Write {ClusterCerts.KubeconfigName}, a kubeconfig for the admin, with this REST URL (https)" };
    private readonly Option<string> _clusterName = new(CertsOptions.ClusterNameFlag) { Description = "The kubeconfig's cluster, user and context name", DefaultValueFactory = _ => UpOptions.DefaultName };

    public Command Build()
    {
        var command = new Command("certs", "Write a cluster CA and every certificate and key a cluster needs to a directory (for a cluster cluster up does not run, such as deploy/compose)")
        {
            _certDir, _nodes, _apiServerSans, _etcdSans, _kubeletSans, _minictlServer, _kubeconfigServer, _clusterName,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var options = new CertsOptions
        {
            CertDirectory = parse.GetValue(_certDir),
            NodeNames = Values(parse, _nodes),
            Sans = new ExtraSans { ApiServer = Values(parse, _apiServerSans), Etcd = Values(parse, _etcdSans), Kubelet = Values(parse, _kubeletSans) },
            MinictlServer = parse.GetValue(_minictlServer),
            KubeconfigServer = parse.GetValue(_kubeconfigServer),
            ClusterName = parse.GetValue(_clusterName) ?? UpOptions.DefaultName,
        };
        var result = new ClusterCerts(session.Console.Time).Run(options);
        foreach (var file in result.Made)
        {
            await session.Out.WriteLineAsync("made " + Path.GetRelativePath(result.Directory, file)).ConfigureAwait(false);
        }
        var kept = result.Kept.Count;
        await session.Out.WriteLineAsync($"PKI in {result.Directory}: {result.Made.Count} file{(result.Made.Count == 1 ? "" : "s")} made, {kept} kept").ConfigureAwait(false);
        return 0;
    }

    private static Option<string[]> List(string name, string description) => new(name)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>Repeated flags and comma lists alike, as kubeadm's string slices.</summary>
    private static string[] Values(ParseResult parse, Option<string[]> option) =>
        [.. (parse.GetValue(option) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];
}
