using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

public static class RuntimeKinds
{
    public const string Docker = "docker";
    public const string Simulated = "simulated";
}

/// <summary>Everything a kubelet process (or an in-process test host) is configured with; validated at start.</summary>
/// <summary>The kubelet's <c>--authorization-mode</c> values, as Kubernetes' kubelet names them.</summary>
public static class KubeletAuthorizationModes
{
    public const string AlwaysAllow = "AlwaysAllow";
    public const string Webhook = "Webhook";
}

public sealed record KubeletOptions
{
    public const string KubeletVersion = "v1.32.0-minikube";

    public string Server { get; init; } = "";

    /// <summary>Token, client certificate and CA for the API server (<c>--token</c>, <c>--client-certificate</c>/<c>--client-key</c>, <c>--certificate-authority</c>).</summary>
    public ClientCredentials Credentials { get; init; } = ClientCredentials.None;
    public string NodeName { get; init; } = "";
    public string DockerEndpoint { get; init; } = "unix:///var/run/docker.sock";
    public string Runtime { get; init; } = RuntimeKinds.Docker;
    public int SimulateNodes { get; init; }
    /// <summary>CPU capacity (Kubernetes quantity, e.g. "4" or "1500m"); null: the host's processors.</summary>
    public string? Cpu { get; init; }
    /// <summary>Memory capacity (e.g. "8Gi"); null: MemTotal of /proc/meminfo.</summary>
    public string? Memory { get; init; }
    public int MaxPods { get; init; } = 110;
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<Taint> Taints { get; init; } = [];
    public string BindAddress { get; init; } = "127.0.0.1";
    /// <summary>The kubelet's HTTP port (logs, exec, stats); 0 picks a free port.</summary>
    public int Port { get; init; } = 10250;

    /// <summary>PEM serving certificate of the kubelet's API (<c>--tls-cert-file</c>); with it the API speaks https only.</summary>
    public string? TlsCertFile { get; init; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/> (<c>--tls-private-key-file</c>).</summary>
    public string? TlsPrivateKeyFile { get; init; }

    /// <summary>CAs whose client certificates authenticate callers of the kubelet's API (<c>--client-ca-file</c>; CN = user, O = groups).</summary>
    public string? ClientCAFile { get; init; }

    /// <summary>Bearer tokens are checked by a TokenReview to the API server (<c>--authentication-token-webhook</c>).</summary>
    public bool AuthenticationTokenWebhook { get; init; }

    /// <summary>
    /// Whether a request without credentials is served as system:anonymous (<c>--anonymous-auth</c>). Unset: refused (401)
    /// whenever --client-ca-file or the token webhook is on, allowed otherwise (a bare test kubelet).
    /// </summary>
    public bool? AnonymousAuth { get; init; }

    /// <summary><c>AlwaysAllow</c> (the default) or <c>Webhook</c>: each request is authorized by a SubjectAccessReview (<c>--authorization-mode</c>).</summary>
    public string AuthorizationMode { get; init; } = KubeletAuthorizationModes.AlwaysAllow;

    /// <summary>Whether anonymous requests are served, after defaulting.</summary>
    public bool AllowsAnonymous => AnonymousAuth ?? (ClientCAFile is null && !AuthenticationTokenWebhook);
    public string RootDir { get; init; } = "/var/lib/minikube-kubelet";
    public string PodInfraImage { get; init; } = "minikube/pause:latest";
    public TimeSpan NodeStatusUpdateFrequency { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Node status is posted at least this often even when nothing changed.</summary>
    public TimeSpan NodeStatusReportFrequency { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);
    public int LeaseDurationSeconds { get; init; } = 40;
    public TimeSpan CrashLoopInitialBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan CrashLoopMaxBackoff { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>A container that ran this long before it exited starts its back-off afresh.</summary>
    public TimeSpan CrashLoopResetAfter { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan ImagePullTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary><c>--runtime-request-timeout</c>: the deadline of every container runtime call except pulls, stops (plus their grace) and streams.</summary>
    public TimeSpan RuntimeRequestTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary><see cref="ImagePullModes.Local"/> (default: no registry is reachable, and no traffic may leave the machine) or <see cref="ImagePullModes.Registry"/>.</summary>
    public string ImagePullMode { get; init; } = ImagePullModes.Local;
    public TimeSpan SyncFrequency { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Pods synced at once; 0 means no limit — one worker per pod, as Kubernetes' kubelet runs them. Unset: 16 with Docker
    /// (two cores and one engine: more concurrent creates only queue in dockerd) and no limit with the simulated runtime,
    /// where a start is only a delay and hollow nodes must start a burst of pods as a kubelet would.
    /// </summary>
    public int? PodWorkers { get; init; }

    /// <summary><see cref="PodWorkers"/> with the runtime's default applied; 0 = one worker per pod.</summary>
    public int EffectivePodWorkers => PodWorkers ?? (Runtime == RuntimeKinds.Simulated ? 0 : DockerPodWorkers);

    public const int DockerPodWorkers = 16;
    public string? ClusterDns { get; init; }
    public string ClusterDomain { get; init; } = WellKnownDns.ClusterDomain;
    /// <summary>Simulated runtime: how long a container takes to "start".</summary>
    public TimeSpan SimulatedStartDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Every problem, each phrased as what to set.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(NodeName))
        {
            problems.Add("--node-name is required (no host name could be found to default to)");
        }
        else if (NodeName.Length > 253 || NodeName.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            problems.Add($"--node-name \"{NodeName}\" is not a valid node name: use lower-case letters, digits, '-' and '.'");
        }
        if (ClientConfig.ServerProblem(Server) is not null)
        {
            problems.Add($"--server \"{Server}\" is not a URL such as http://127.0.0.1:8081 (or set MINIKUBE_SERVER)");
        }
        if ((TlsCertFile is null) != (TlsPrivateKeyFile is null))
        {
            problems.Add("--tls-cert-file and --tls-private-key-file go together: set both to serve the kubelet API over https, or neither");
        }
        if (ClientCAFile is not null && TlsCertFile is null)
        {
            problems.Add("--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates travel only over TLS");
        }
        foreach (var (flag, file) in new[] { ("--tls-cert-file", TlsCertFile), ("--tls-private-key-file", TlsPrivateKeyFile), ("--client-ca-file", ClientCAFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                problems.Add($"{flag}: file \"{file}\" does not exist");
            }
        }
        if (AuthorizationMode is not (KubeletAuthorizationModes.AlwaysAllow or KubeletAuthorizationModes.Webhook))
        {
            problems.Add($"--authorization-mode \"{AuthorizationMode}\" is not supported: use AlwaysAllow or Webhook");
        }
        if (Runtime is not (RuntimeKinds.Docker or RuntimeKinds.Simulated))
        {
            problems.Add($"--runtime \"{Runtime}\" is not supported: use docker or simulated");
        }
        if (Runtime == RuntimeKinds.Docker && (!Uri.TryCreate(DockerEndpoint, UriKind.Absolute, out var docker) || docker.Scheme is not ("unix" or "tcp" or "http")))
        {
            problems.Add($"--docker-endpoint \"{DockerEndpoint}\" is not a Docker endpoint such as unix:///var/run/docker.sock or tcp://127.0.0.1:2375");
        }
        if (SimulateNodes < 0 || (SimulateNodes > 0 && Runtime != RuntimeKinds.Simulated))
        {
            problems.Add("--simulate-nodes needs --runtime simulated and a count of 1 or more");
        }
        if (Cpu is not null && (!Quantity.TryParse(Cpu, out var cpu) || cpu.Sign <= 0))
        {
            problems.Add($"--cpu \"{Cpu}\" is not a positive quantity such as 4 or 1500m");
        }
        if (Memory is not null && (!Quantity.TryParse(Memory, out var memory) || memory.Sign <= 0))
        {
            problems.Add($"--memory \"{Memory}\" is not a positive quantity such as 8Gi");
        }
        if (MaxPods <= 0)
        {
            problems.Add("--max-pods must be 1 or more");
        }
        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port {Port.ToString(CultureInfo.InvariantCulture)} is not a TCP port (0-65535; 0 picks a free one)");
        }
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            problems.Add($"--address \"{BindAddress}\" is not an IP address");
        }
        if (NodeStatusUpdateFrequency <= TimeSpan.Zero || LeaseRenewInterval <= TimeSpan.Zero)
        {
            problems.Add("--node-status-update-frequency and --lease-renew-interval must be positive durations such as 10s");
        }
        if (CrashLoopInitialBackoff <= TimeSpan.Zero || CrashLoopMaxBackoff < CrashLoopInitialBackoff)
        {
            problems.Add("--crashloop-initial-backoff must be positive and not above --crashloop-max-backoff");
        }
        if (RuntimeRequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("--runtime-request-timeout must be positive (e.g. --runtime-request-timeout 2m)");
        }
        if (ImagePullTimeout <= TimeSpan.Zero)
        {
            problems.Add("--image-pull-timeout must be a positive duration such as 2m");
        }
        if (ImagePullMode is not (ImagePullModes.Local or ImagePullModes.Registry))
        {
            problems.Add($"--image-pull-mode \"{ImagePullMode}\" is not supported: use {ImagePullModes.Local} or {ImagePullModes.Registry}");
        }
        if (PodWorkers < 0)
        {
            problems.Add("--pod-workers must be 0 (one worker per pod) or more");
        }
        if (string.IsNullOrWhiteSpace(RootDir))
        {
            problems.Add("--root-dir must name a directory");
        }
        if (ClusterDns is not null && !System.Net.IPAddress.TryParse(ClusterDns, out _))
        {
            problems.Add($"--cluster-dns \"{ClusterDns}\" is not an IP address");
        }
        return problems;
    }

    /// <summary>The node names this process runs: the node itself, or <c>name-0 … name-(N-1)</c> for hollow nodes.</summary>
    public IReadOnlyList<string> NodeNames() => SimulateNodes > 0
        ? [.. Enumerable.Range(0, SimulateNodes).Select(i => string.Create(CultureInfo.InvariantCulture, $"{NodeName}-{i}"))]
        : [NodeName];
}
