namespace MiniKube.Cluster;

/// <summary>
/// One process of the cluster: how to start it, what it waits for, how to tell it is ready (after a start) and healthy
/// (while it runs), and in which wave it stops. <see cref="ClusterComponents"/> lists them.
/// </summary>
public sealed record ComponentSpec
{
    /// <summary>Unique in the cluster; also the log file's name (<c>logs/&lt;name&gt;.log</c>).</summary>
    public required string Name { get; init; }

    /// <summary>etcd, apiserver, scheduler, controller-manager, kubelet …</summary>
    public required string Role { get; init; }

    public string? Node { get; init; }

    /// <summary>The command line, program first.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public required string LogFile { get; init; }

    /// <summary>Components that must be ready before this one starts.</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>Fixed ports the process binds, with what they are for (checked free before a start).</summary>
    public IReadOnlyList<PortUse> Ports { get; init; } = [];

    public required IComponentCheck Readiness { get; init; }

    public required IComponentCheck Health { get; init; }

    /// <summary>Addresses to show (URLs); empty when the component serves nothing of interest.</summary>
    public string Endpoint { get; init; } = "";

    /// <summary>Lower waves stop first (nodes, then controllers, then the API server, then etcd).</summary>
    public int StopWave { get; init; }

    /// <summary>Directories the component owns under MINIKUBE_HOME (removed by <c>down --purge</c>).</summary>
    public IReadOnlyList<string> DataDirectories { get; init; } = [];
}

/// <summary>A port a component binds, and what for ("API server gRPC").</summary>
public readonly record struct PortUse(int Port, string Purpose);
