namespace MiniKube.Cluster;

/// <summary>The flags of <c>minictl cluster up</c>; null means "as before, else the default".</summary>
public sealed record UpOptions
{
    public const string DefaultName = "minikube";
    public const int DefaultNodes = 2;
    public const int MaxNodes = 50;
    public const int MaxControlPlanes = 7;

    public string? Name { get; init; }

    public int? Nodes { get; init; }

    /// <summary><c>--control-planes</c>: 1, or 3 for an etcd cluster of three members with an API server, scheduler and controller-manager next to each.</summary>
    public int? ControlPlanes { get; init; }

    public string? EtcdServers { get; init; }

    public int? ApiPort { get; init; }

    public string? BinDirectory { get; init; }

    /// <summary><c>--extra-config</c> settings (<c>component.flag=value</c>); null keeps the recorded ones.</summary>
    public IReadOnlyList<string>? ExtraConfig { get; init; }

    /// <summary>How long to wait for every component and node to be ready.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromMinutes(2);
}
