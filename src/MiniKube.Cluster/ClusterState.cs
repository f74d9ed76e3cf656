using System.Globalization;
using System.Text.Json.Serialization;

namespace MiniKube.Cluster;

/// <summary>
/// What <c>cluster.json</c> records about a local cluster: its settings (name, nodes, ports, where etcd is) and, per
/// component, the process that runs it. Settings outlive <c>cluster down</c> so that the next <c>up</c> serves on the
/// same address; the processes are cleared when they are stopped.
/// </summary>
public sealed record ClusterState
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required string Name { get; init; }

    public required int Nodes { get; init; }

    /// <summary>The directory the component binaries were started from.</summary>
    public required string BinDirectory { get; init; }

    /// <summary>Set when the cluster uses an etcd it does not manage (<c>--etcd-servers</c>).</summary>
    public string? ExternalEtcd { get; init; }

    public int EtcdClientPort { get; init; }

    public int EtcdPeerPort { get; init; }

    public required int ApiGrpcPort { get; init; }

    public required int ApiHttpPort { get; init; }

    /// <summary>The web dashboard's port (0 in a state written before the dashboard existed: one is picked at the next up).</summary>
    public int DashboardPort { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>--extra-config</c> settings (<c>component.flag=value</c>) every start of those components gets.</summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = [];

    public IReadOnlyList<ComponentRecord> Components { get; init; } = [];

    /// <summary>Members 2… of a highly available control plane; member 1 uses the ports above. Empty for one control plane.</summary>
    public IReadOnlyList<ControlPlaneMember> ExtraControlPlanes { get; init; } = [];

    [JsonIgnore]
    public int ControlPlanes => 1 + ExtraControlPlanes.Count;

    /// <summary>Every control-plane member's ports, member 1 first.</summary>
    [JsonIgnore]
    public IReadOnlyList<ControlPlaneMember> ControlPlaneMembers =>
        [new ControlPlaneMember(EtcdClientPort, EtcdPeerPort, ApiGrpcPort, ApiHttpPort), .. ExtraControlPlanes];

    [JsonIgnore]
    public bool ManagedEtcd => ExternalEtcd is null;

    [JsonIgnore]
    public string EtcdEndpoints => ExternalEtcd ?? string.Join(',', ControlPlaneMembers.Select(m => SecureLoopback(m.EtcdClientPort)));

    /// <summary>Every API server's gRPC URL, comma-separated (<c>--server URL,URL,…</c>): clients fail over between them.</summary>
    [JsonIgnore]
    public string ServerUrl => string.Join(',', ControlPlaneMembers.Select(m => SecureLoopback(m.ApiGrpcPort)));

    [JsonIgnore]
    public string ApiHttpUrl => SecureLoopback(ApiHttpPort);

    [JsonIgnore]
    public string DashboardUrl => Loopback(DashboardPort);

    /// <summary>The node names, <c>&lt;name&gt;-node-1</c> …</summary>
    [JsonIgnore]
    public IReadOnlyList<string> NodeNames => [.. Enumerable.Range(1, Nodes).Select(NodeName)];

    /// <summary>A control-plane component's name: <paramref name="role"/> for member 1, <c>role-M</c> for member M.</summary>
    public static string MemberName(string role, int member) =>
        member == 1 ? role : string.Create(CultureInfo.InvariantCulture, $"{role}-{member}");

    public string NodeName(int index) => string.Create(CultureInfo.InvariantCulture, $"{Name}-node-{index}");

    public ComponentRecord? Find(string component) =>
        Components.FirstOrDefault(c => string.Equals(c.Name, component, StringComparison.Ordinal));

    /// <summary>A copy with <paramref name="record"/> in place of the record of the same name (or added).</summary>
    public ClusterState With(ComponentRecord record) => this with
    {
        Components = [.. Components.Where(c => !string.Equals(c.Name, record.Name, StringComparison.Ordinal)), record],
    };

    public ClusterState Without(string component) => this with
    {
        Components = [.. Components.Where(c => !string.Equals(c.Name, component, StringComparison.Ordinal))],
    };

    public static string Loopback(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    /// <summary>The https URL of a TLS port on 127.0.0.1 (the API servers serve TLS only).</summary>
    public static string SecureLoopback(int port) => string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{port}");
}

/// <summary>One started component process.</summary>
public sealed record ComponentRecord
{
    /// <summary>Unique in the cluster: <c>apiserver</c>, <c>kubelet-minikube-node-1</c>, …</summary>
    public required string Name { get; init; }

    /// <summary>What it is: <c>etcd</c>, <c>apiserver</c>, <c>scheduler</c>, <c>controller-manager</c>, <c>kubelet</c>, …</summary>
    public required string Role { get; init; }

    public string? Node { get; init; }

    public required int Pid { get; init; }

    /// <summary>The process's start time in clock ticks since boot (<c>/proc/PID/stat</c> field 22), so a recycled pid is not taken for it.</summary>
    public long StartTicks { get; init; }

    public required string LogFile { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Lower waves stop first (see <see cref="ComponentSpec.StopWave"/>).</summary>
    public int StopWave { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterState))]
internal sealed partial class ClusterStateJson : JsonSerializerContext;
