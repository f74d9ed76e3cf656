using System.Text.RegularExpressions;

namespace MiniKube.Cluster;

/// <summary>
/// Turns <c>cluster up</c>'s flags and the recorded state into the cluster's settings: what was recorded stays (same name,
/// ports and etcd, so the address in the client config stays valid), flags fill in or change what they may, and new
/// ports are drawn for what is new. Changes a running cluster cannot take are refused with what to do instead.
/// </summary>
public static partial class ClusterSettings
{
    public static ClusterState Resolve(UpOptions options, ClusterState? recorded, bool running, string binDirectory, DateTimeOffset now)
    {
        var name = options.Name ?? recorded?.Name ?? UpOptions.DefaultName;
        if (!ValidName().IsMatch(name))
        {
            throw new ClusterException($"invalid cluster name \"{name}\": use lowercase letters, digits and '-' (it prefixes the node names)");
        }
        var nodes = options.Nodes ?? recorded?.Nodes ?? UpOptions.DefaultNodes;
        if (nodes is < 1 or > UpOptions.MaxNodes)
        {
            throw new ClusterException($"--nodes must be between 1 and {UpOptions.MaxNodes}, not {nodes}");
        }
        var controlPlanes = options.ControlPlanes ?? recorded?.ControlPlanes ?? 1;
        if (controlPlanes is < 1 or > UpOptions.MaxControlPlanes || controlPlanes % 2 == 0)
        {
            throw new ClusterException($"--control-planes must be an odd number from 1 to {UpOptions.MaxControlPlanes} (etcd needs a majority of its members), not {controlPlanes}");
        }
        var external = options.EtcdServers is { } etcd ? NormalizeEtcd(etcd) : recorded?.ExternalEtcd;
        var extraConfig = options.ExtraConfig is { } given ? ExtraConfig.Normalize(given) : recorded?.ExtraConfig ?? [];
        if (running && recorded is not null)
        {
            Refuse(recorded.Name != name, $"cluster \"{recorded.Name}\" is running in this MINIKUBE_HOME; stop it first (minictl cluster down) or use another MINIKUBE_HOME");
            Refuse(nodes < recorded.Nodes, $"the running cluster has {recorded.Nodes} nodes; to shrink it to {nodes}, run minictl cluster down first");
            Refuse(external != recorded.ExternalEtcd,
                $"the running cluster uses {(recorded.ManagedEtcd ? "its own etcd" : "etcd at " + recorded.ExternalEtcd)}; run minictl cluster down first to change --etcd-servers");
            Refuse(!extraConfig.SequenceEqual(recorded.ExtraConfig),
                "the running cluster's components were started with " +
                (recorded.ExtraConfig.Count == 0 ? "no --extra-config" : "--extra-config " + string.Join(" ", recorded.ExtraConfig)) +
                "; run minictl cluster down first to change it");
            Refuse(controlPlanes != recorded.ControlPlanes,
                $"the running cluster has {recorded.ControlPlanes} control plane(s); run minictl cluster down --purge first to change --control-planes");
            Refuse(options.ApiPort is { } p && p != recorded.ApiGrpcPort,
                $"the running cluster's API server is on port {recorded.ApiGrpcPort}; run minictl cluster down first to change --api-port");
        }
        if (options.ApiPort is { } port && port is < 1 or > 65535)
        {
            throw new ClusterException($"--api-port must be a TCP port (1-65535), not {port}");
        }

        var taken = new HashSet<int>();
        int Keep(int? wanted)
        {
            if (wanted is { } value and > 0)
            {
                taken.Add(value);
                return value;
            }
            return 0;
        }
        var grpc = Keep(options.ApiPort ?? recorded?.ApiGrpcPort);
        var http = Keep(recorded?.ApiHttpPort);
        var dashboard = Keep(recorded?.DashboardPort);
        var etcdClient = external is null ? Keep(recorded?.EtcdClientPort) : 0;
        var etcdPeer = external is null ? Keep(recorded?.EtcdPeerPort) : 0;
        // Members 2…: the recorded ports when the recorded cluster had as many members, new ones otherwise.
        IReadOnlyList<ControlPlaneMember> recordedExtra = recorded is not null && recorded.ControlPlanes == controlPlanes ? recorded.ExtraControlPlanes : [];
        foreach (var member in recordedExtra)
        {
            Keep(member.ApiGrpcPort);
            Keep(member.ApiHttpPort);
            Keep(external is null ? member.EtcdClientPort : 0);
            Keep(external is null ? member.EtcdPeerPort : 0);
        }
        return new ClusterState
        {
            Name = name,
            Nodes = nodes,
            BinDirectory = binDirectory,
            ExternalEtcd = external,
            ApiGrpcPort = grpc > 0 ? grpc : Ports.Pick(taken),
            ApiHttpPort = http > 0 ? http : Ports.Pick(taken),
            DashboardPort = dashboard > 0 ? dashboard : Ports.Pick(taken),
            EtcdClientPort = external is null ? (etcdClient > 0 ? etcdClient : Ports.Pick(taken)) : 0,
            EtcdPeerPort = external is null ? (etcdPeer > 0 ? etcdPeer : Ports.Pick(taken)) : 0,
            ExtraControlPlanes = recordedExtra.Count == controlPlanes - 1 && recordedExtra.All(m => (m.EtcdClientPort > 0) == (external is null))
                ? recordedExtra
                : [.. Enumerable.Range(2, controlPlanes - 1).Select(_ => new ControlPlaneMember(
                    external is null ? Ports.Pick(taken) : 0, external is null ? Ports.Pick(taken) : 0, Ports.Pick(taken), Ports.Pick(taken)))],
            CreatedAt = recorded?.CreatedAt is { } created && created != default ? created : now,
            ExtraConfig = extraConfig,
            Components = recorded?.Components ?? [],
        };
    }

    private static string NormalizeEtcd(string value)
    {
        var urls = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0 || urls.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new ClusterException($"invalid --etcd-servers \"{value}\": expected comma-separated URLs such as http://127.0.0.1:2379");
        }
        return string.Join(',', urls.Select(u => u.TrimEnd('/')));
    }

    private static void Refuse(bool condition, string message)
    {
        if (condition)
        {
            throw new ClusterException(message);
        }
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")]
    private static partial Regex ValidName();
}
