using System.CommandLine;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>The kubelet's flags and their translation into <see cref="KubeletOptions"/>; problems come back as one line each.</summary>
public static class KubeletCommandLine
{
    private static readonly Option<string?> Server = new("--server") { Description = $"API server gRPC URL (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
    private static readonly ClientCredentialFlags Credentials = new();
    private static readonly Option<string?> NodeName = new("--node-name") { Description = "This node's name (default: the host name)" };
    private static readonly Option<string> DockerEndpoint = new("--docker-endpoint") { Description = "Docker engine endpoint", DefaultValueFactory = _ => "unix:///var/run/docker.sock" };
    private static readonly Option<string?> Cpu = new("--cpu") { Description = "CPU capacity to report, e.g. 4 or 3500m (default: the host's processors)" };
    private static readonly Option<string?> Memory = new("--memory") { Description = "Memory capacity to report, e.g. 8Gi (default: MemTotal)" };
    private static readonly Option<int> MaxPods = new("--max-pods") { Description = "Pods this node accepts", DefaultValueFactory = _ => 110 };
    private static readonly Option<string?> NodeLabels = new("--node-labels") { Description = "Extra node labels: key=value,…" };
    private static readonly Option<string?> Taints = new("--register-with-taints") { Description = "Taints to register with: key=value:Effect,…" };
    private static readonly Option<string> Address = new("--address") { Description = "Address of the kubelet HTTP server", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> Port = new("--port") { Description = "Kubelet HTTP port (logs, exec, stats); 0 picks a free one", DefaultValueFactory = _ => 10250 };
    private static readonly Option<string> Runtime = new("--runtime") { Description = "Container runtime: docker or simulated (hollow nodes)", DefaultValueFactory = _ => RuntimeKinds.Docker };
    private static readonly Option<int> SimulateNodes = new("--simulate-nodes") { Description = "With --runtime simulated: run N hollow nodes <node-name>-0…N-1" };
    private static readonly Option<string> SimulatedStartDelay = new("--simulated-start-delay") { Description = "With --runtime simulated: time a container takes to start", DefaultValueFactory = _ => "100ms" };
    private static readonly Option<string> StatusFrequency = new("--node-status-update-frequency") { Description = "How often node status is computed", DefaultValueFactory = _ => "10s" };
    private static readonly Option<string> LeaseRenew = new("--lease-renew-interval") { Description = "How often the node lease is renewed", DefaultValueFactory = _ => "10s" };
    private static readonly Option<string> BackoffInitial = new("--crashloop-initial-backoff") { Description = "First CrashLoopBackOff / ImagePullBackOff delay", DefaultValueFactory = _ => "10s" };
    private static readonly Option<string> BackoffMax = new("--crashloop-max-backoff") { Description = "Longest back-off delay", DefaultValueFactory = _ => "5m" };
    private static readonly Option<string> PullTimeout = new("--image-pull-timeout") { Description = "Longest an image pull may take", DefaultValueFactory = _ => "2m" };
    private static readonly Option<string> RuntimeTimeout = new("--runtime-request-timeout") { Description = "Deadline of every Docker call (pulls and stops get theirs on top)", DefaultValueFactory = _ => "2m" };
    private static readonly Option<string> PullMode = new("--image-pull-mode")
    {
        Description = "local: never pull from a registry off this machine (images must be present; only loopback registries are pulled from); registry: pull as imagePullPolicy says",
        DefaultValueFactory = _ => ImagePullModes.Local,
    };
    private static readonly Option<string> SyncFrequency = new("--sync-frequency") { Description = "Periodic resync of every pod", DefaultValueFactory = _ => "10s" };
    private static readonly Option<string> RootDir = new("--root-dir") { Description = "Directory for pod volumes (emptyDir)", DefaultValueFactory = _ => "/var/lib/minikube-kubelet" };
    private static readonly Option<string> PauseImage = new("--pod-infra-container-image") { Description = "Sandbox image", DefaultValueFactory = _ => "minikube/pause:latest" };
    private static readonly Option<string?> ClusterDns = new("--cluster-dns") { Description = "Cluster DNS server IP for ClusterFirst pods" };
    private static readonly Option<string> ClusterDomain = new("--cluster-domain") { Description = "Cluster domain", DefaultValueFactory = _ => WellKnownDns.ClusterDomain };
    private static readonly Option<int?> PodWorkers = new("--pod-workers")
    {
        Description = "Pods synced concurrently; 0 = one worker per pod (default: 16 with docker, 0 with the simulated runtime)",
    };
    private static readonly Option<string?> TlsCertFile = new("--tls-cert-file") { Description = "PEM serving certificate: the kubelet API serves https only" };
    private static readonly Option<string?> TlsPrivateKeyFile = new("--tls-private-key-file") { Description = "PEM private key of --tls-cert-file" };
    private static readonly Option<string?> ClientCAFile = new("--client-ca-file")
    {
        Description = "PEM CAs: a client certificate signed by one authenticates to the kubelet API as its CN, in the groups of its O values",
    };
    private static readonly Option<bool> TokenWebhook = new("--authentication-token-webhook")
    {
        Description = "Authenticate bearer tokens to the kubelet API by a TokenReview to the API server",
    };
    private static readonly Option<bool?> AnonymousAuth = new("--anonymous-auth")
    {
        Description = "Serve requests without credentials as system:anonymous (default: false with --client-ca-file or the token webhook, else true)",
    };
    private static readonly Option<string> AuthorizationMode = new("--authorization-mode")
    {
        Description = "AlwaysAllow, or Webhook: authorize each kubelet API request by a SubjectAccessReview to the API server",
        DefaultValueFactory = _ => KubeletAuthorizationModes.AlwaysAllow,
    };
    private static readonly Option<string> LogLevel = new("--log-level") { Description = "Verbose, Debug, Information, Warning or Error", DefaultValueFactory = _ => "Information" };

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("minikube-kubelet: the MiniKube node agent (pods → Docker containers, probes, status, logs/exec/stats)")
        {
            Server, NodeName, DockerEndpoint, Cpu, Memory, MaxPods, NodeLabels, Taints, Address, Port, Runtime, SimulateNodes, SimulatedStartDelay,
            StatusFrequency, LeaseRenew, BackoffInitial, BackoffMax, PullTimeout, RuntimeTimeout, PullMode, SyncFrequency, RootDir, PauseImage, ClusterDns, ClusterDomain, PodWorkers,
            LogLevel, TlsCertFile, TlsPrivateKeyFile, ClientCAFile, TokenWebhook, AnonymousAuth, AuthorizationMode,
        };
        foreach (var option in Credentials.All)
        {
            root.Options.Add(option);
        }
        return root;
    }

    public static string GetLogLevel(ParseResult parse) => parse.GetValue(LogLevel) ?? "Information";

    /// <summary>Options from a parse; the problems (each one line, saying what to set) when the flags do not make sense.</summary>
    public static (KubeletOptions? Options, IReadOnlyList<string> Problems) ToOptions(ParseResult parse)
    {
        var problems = new List<string>();
        TimeSpan Duration(Option<string> option)
        {
            var text = parse.GetValue(option) ?? "";
            if (GoDuration.TryParse(text, out var value))
            {
                return value;
            }
            problems.Add($"{option.Name} \"{text}\" is not a duration such as 500ms, 10s or 5m");
            return TimeSpan.Zero;
        }
        var labels = ParseLabels(parse.GetValue(NodeLabels), problems);
        var taints = ParseTaints(parse.GetValue(Taints), problems);
        var options = new KubeletOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(Server)),
            Credentials = Credentials.Bind(parse, problems),
            NodeName = (parse.GetValue(NodeName) ?? DefaultNodeName()).Trim(),
            DockerEndpoint = parse.GetValue(DockerEndpoint)!,
            Cpu = parse.GetValue(Cpu),
            Memory = parse.GetValue(Memory),
            MaxPods = parse.GetValue(MaxPods),
            NodeLabels = labels,
            Taints = taints,
            BindAddress = parse.GetValue(Address)!,
            Port = parse.GetValue(Port),
            TlsCertFile = parse.GetValue(TlsCertFile),
            TlsPrivateKeyFile = parse.GetValue(TlsPrivateKeyFile),
            ClientCAFile = parse.GetValue(ClientCAFile),
            AuthenticationTokenWebhook = parse.GetValue(TokenWebhook),
            AnonymousAuth = parse.GetValue(AnonymousAuth),
            AuthorizationMode = parse.GetValue(AuthorizationMode)!,
            Runtime = parse.GetValue(Runtime)!,
            SimulateNodes = parse.GetValue(SimulateNodes),
            SimulatedStartDelay = Duration(SimulatedStartDelay),
            NodeStatusUpdateFrequency = Duration(StatusFrequency),
            LeaseRenewInterval = Duration(LeaseRenew),
            CrashLoopInitialBackoff = Duration(BackoffInitial),
            CrashLoopMaxBackoff = Duration(BackoffMax),
            ImagePullTimeout = Duration(PullTimeout),
            RuntimeRequestTimeout = Duration(RuntimeTimeout),
            ImagePullMode = parse.GetValue(PullMode)!,
            SyncFrequency = Duration(SyncFrequency),
            RootDir = parse.GetValue(RootDir)!,
            PodInfraImage = parse.GetValue(PauseImage)!,
            ClusterDns = parse.GetValue(ClusterDns),
            ClusterDomain = parse.GetValue(ClusterDomain)!,
            PodWorkers = parse.GetValue(PodWorkers),
        };
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    public static Dictionary<string, string> ParseLabels(string? text, List<string> problems)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problems.Add($"--node-labels item \"{item}\" is not key=value");
                continue;
            }
            labels[item[..eq]] = item[(eq + 1)..];
        }
        return labels;
    }

    public static List<Taint> ParseTaints(string? text, List<string> problems)
    {
        var taints = new List<Taint>();
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            var effect = colon > 0 ? item[(colon + 1)..] : "";
            if (effect is not (TaintEffect.NoSchedule or TaintEffect.PreferNoSchedule or TaintEffect.NoExecute))
            {
                problems.Add($"--register-with-taints item \"{item}\" is not key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute");
                continue;
            }
            var keyValue = item[..colon];
            var eq = keyValue.IndexOf('=', StringComparison.Ordinal);
            taints.Add(eq < 0
                ? new Taint { Key = keyValue, Effect = effect }
                : new Taint { Key = keyValue[..eq], Value = keyValue[(eq + 1)..], Effect = effect });
        }
        return taints;
    }

    private static string DefaultNodeName()
    {
        try
        {
            return System.Net.Dns.GetHostName().ToLowerInvariant();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "";
        }
    }
}
