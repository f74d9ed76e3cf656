using System.CommandLine;
using MiniKube.Api;
using MiniKube.Hosting;
using Serilog.Events;

namespace MiniKube.ApiServer;

/// <summary>The API server's flags and their translation into <see cref="ApiServerOptions"/>; problems come back as one line each.</summary>
public static class ApiServerCommandLine
{
    public const string Name = "minikube-apiserver";

    private static readonly ApiServerOptions Defaults = new();
    private static readonly Option<string> EtcdServers = new("--etcd-servers")
    {
        Description = "Comma-separated etcd client URLs",
        DefaultValueFactory = _ => string.Join(',', Defaults.EtcdServers),
    };
    private static readonly Option<string?> EtcdCAFile = new("--etcd-cafile")
    {
        Description = "PEM bundle of the CAs an https etcd's serving certificate must chain to (without it: the system's roots)",
    };
    private static readonly Option<string?> EtcdCertFile = new("--etcd-certfile") { Description = "PEM client certificate for etcd's --client-cert-auth" };
    private static readonly Option<string?> EtcdKeyFile = new("--etcd-keyfile") { Description = "PEM private key of --etcd-certfile" };
    private static readonly Option<string> EtcdPrefix = new("--etcd-prefix") { Description = "Key prefix of every object in etcd", DefaultValueFactory = _ => Defaults.EtcdPrefix };
    private static readonly Option<string> BindAddress = new("--bind-address") { Description = "Address to listen on", DefaultValueFactory = _ => Defaults.BindAddress };
    private static readonly Option<string?> AdvertiseAddress = new("--advertise-address")
    {
        Description = "IPv4 address published as the endpoint of the default/kubernetes Service; the REST port also listens there (default: --bind-address)",
    };
    private static readonly Option<string> EndpointReconcilerType = new("--endpoint-reconciler-type")
    {
        Description = "How the kubernetes Service's endpoints are kept: lease (one expiring lease per API server) or none",
        DefaultValueFactory = _ => Defaults.EndpointReconcilerType,
    };
    private static readonly Option<int> Port = new("--port") { Description = "HTTP/1.1 port: /healthz, /readyz, /version (0 = any free port)", DefaultValueFactory = _ => Defaults.Port };
    private static readonly Option<int> GrpcPort = new("--grpc-port") { Description = "gRPC (h2c) port (0 = any free port)", DefaultValueFactory = _ => Defaults.GrpcPort };
    private static readonly Option<int> EtcdStartupTimeout = new("--etcd-startup-timeout")
    {
        Description = "Seconds to wait for etcd at start before failing",
        DefaultValueFactory = _ => (int)Defaults.EtcdStartupTimeout.TotalSeconds,
    };
    private static readonly Option<int> EventTtl = new("--event-ttl") { Description = "Seconds an Event is kept before it expires", DefaultValueFactory = _ => (int)Defaults.EventTtl.TotalSeconds };
    private static readonly Option<long> NotReadyToleration = new("--default-not-ready-toleration-seconds")
    {
        Description = "tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to every pod that has none",
        DefaultValueFactory = _ => Defaults.DefaultNotReadyTolerationSeconds,
    };
    private static readonly Option<long> UnreachableToleration = new("--default-unreachable-toleration-seconds")
    {
        Description = "tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to every pod that has none",
        DefaultValueFactory = _ => Defaults.DefaultUnreachableTolerationSeconds,
    };
    private static readonly Option<string> ServiceClusterIPRange = new("--service-cluster-ip-range")
    {
        Description = "IPv4 CIDR that Service ClusterIPs are allocated from",
        DefaultValueFactory = _ => Defaults.ServiceClusterIPRange,
    };
    private static readonly Option<string> ServiceNodePortRange = new("--service-node-port-range")
    {
        Description = "Port range (MIN-MAX, inclusive) that Service NodePorts are allocated from",
        DefaultValueFactory = _ => Defaults.ServiceNodePortRange,
    };
    private static readonly Option<string> MetricResolution = new("--metric-resolution")
    {
        Description = "How often the resource metrics pipeline scrapes the kubelets (a duration such as 15s or 500ms)",
        DefaultValueFactory = _ => GoDuration.Format(Defaults.MetricResolution),
    };
    private static readonly Option<string> KubeletRequestTimeout = new("--kubelet-request-timeout")
    {
        Description = "How long one kubelet stats scrape may take before that node's metrics drop out (e.g. 10s)",
        DefaultValueFactory = _ => GoDuration.Format(Defaults.KubeletRequestTimeout),
    };
    // Kubernetes' name for the same setting is --default-watch-cache-size.
    private static readonly Option<int> WatchCacheSize = new("--watch-cache-size", "--default-watch-cache-size")
    {
        Description = "Events each resource's watch cache keeps",
        DefaultValueFactory = _ => Defaults.WatchCacheCapacity,
    };
    private static readonly Option<string?> EncryptionProviderConfig = new("--encryption-provider-config")
    {
        Description = "EncryptionConfiguration file (apiserver.config.k8s.io/v1) saying which resources are encrypted in etcd, and with which keys",
    };
    private static readonly Option<string> PodSecurityDefaultEnforce = new("--pod-security-default-enforce")
    {
        Description = "Pod Security level (privileged, baseline, restricted) enforced in namespaces without a pod-security.kubernetes.io/enforce label; kube-system is privileged unless labelled",
        DefaultValueFactory = _ => Defaults.PodSecurityDefaultEnforce,
    };
    private static readonly Option<string?> TokenAuthFile = new("--token-auth-file")
    {
        Description = "CSV file of static bearer tokens: token,user,uid,\"group1,group2\" per line (turns authentication on)",
    };
    private static readonly Option<string> AuthorizationMode = new("--authorization-mode")
    {
        Description = "Comma-separated authorizers tried in order: AlwaysAllow, AlwaysDeny, RBAC (Node is planned)",
        DefaultValueFactory = _ => Defaults.AuthorizationMode,
    };
    private static readonly Option<string?> ClientCAFile = new("--client-ca-file")
    {
        Description = "PEM bundle of CAs: a client certificate signed by one authenticates as its CN, in the groups of its O values",
    };
    private static readonly Option<string?> TlsCertFile = new("--tls-cert-file") { Description = "PEM serving certificate: both ports serve TLS (gRPC: HTTP/2 with ALPN h2)" };
    private static readonly Option<string?> TlsPrivateKeyFile = new("--tls-private-key-file") { Description = "PEM private key of --tls-cert-file" };
    private static readonly Option<string?> KubeletClientCertificate = new("--kubelet-client-certificate")
    {
        Description = "PEM client certificate presented to kubelets; with it kubelets are called over https",
    };
    private static readonly Option<string?> KubeletClientKey = new("--kubelet-client-key") { Description = "PEM private key of --kubelet-client-certificate" };
    private static readonly Option<string?> KubeletCertificateAuthority = new("--kubelet-certificate-authority")
    {
        Description = "PEM CA bundle the kubelets' serving certificates must chain to (not checked without it)",
    };
    private static readonly Option<string?> AuditLogPath = new("--audit-log-path")
    {
        Description = "Write audit events (audit.k8s.io/v1, one JSON line each) to this file; - is stdout",
    };
    private static readonly Option<string?> AuditPolicyFile = new("--audit-policy-file")
    {
        Description = "audit.k8s.io/v1 Policy saying which requests are logged (without one, none are)",
    };
    private static readonly Option<string> ServiceAccountIssuer = new("--service-account-issuer")
    {
        Description = "The iss claim of the service account tokens this server signs and accepts",
        DefaultValueFactory = _ => Defaults.ServiceAccountIssuer,
    };
    private static readonly Option<string?> ServiceAccountSigningKeyFile = new("--service-account-signing-key-file")
    {
        Description = "PEM private key (RSA or ECDSA P-256) that signs service account tokens; without one a key is generated in memory (tokens end with the process)",
    };
    private static readonly Option<string[]> ServiceAccountKeyFile = new("--service-account-key-file")
    {
        Description = "PEM file of public keys that service account tokens may be signed with (repeatable or comma-separated; the signing key is always accepted)",
        AllowMultipleArgumentsPerToken = false,
    };
    private static readonly Option<string[]> ApiAudiences = new("--api-audiences")
    {
        Description = "Audiences a service account token must carry one of (comma-separated; default: the issuer)",
    };
    private static readonly Option<string[]> DisableAdmissionPlugins = new("--disable-admission-plugins")
    {
        Description = "Admission plugins to turn off (comma-separated; only ServiceAccount can be)",
    };
    private static readonly Option<string> LogLevel = new("--log-level") { Description = string.Join(", ", ComponentLogging.LevelNames), DefaultValueFactory = _ => "Information" };

    public static RootCommand CreateRootCommand() => new("minikube-apiserver: the MiniKube API server (objects in etcd, gRPC API and watches)")
    {
        EtcdServers, EtcdCAFile, EtcdCertFile, EtcdKeyFile, EtcdPrefix, BindAddress, AdvertiseAddress, EndpointReconcilerType, Port, GrpcPort, WatchCacheSize, EtcdStartupTimeout, EventTtl, NotReadyToleration, UnreachableToleration,
        ServiceClusterIPRange, ServiceNodePortRange, MetricResolution, KubeletRequestTimeout, LogLevel,
        EncryptionProviderConfig, AuditLogPath, AuditPolicyFile,
        PodSecurityDefaultEnforce,
        TokenAuthFile,
        AuthorizationMode,
        ClientCAFile, TlsCertFile, TlsPrivateKeyFile, KubeletClientCertificate, KubeletClientKey, KubeletCertificateAuthority,
        ServiceAccountIssuer, ServiceAccountSigningKeyFile, ServiceAccountKeyFile, ApiAudiences, DisableAdmissionPlugins,
    };

    private static string[] ListFlag(ParseResult parse, Option<string[]> option) =>
        [.. (parse.GetValue(option) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>The <c>--log-level</c> (checked by <see cref="ToOptions"/>).</summary>
    public static LogEventLevel GetLogLevel(ParseResult parse) =>
        ComponentLogging.TryParseLevel(parse.GetValue(LogLevel), out var level) ? level : LogEventLevel.Information;

    private static string? FileFlag(ParseResult parse, Option<string?> option) => parse.GetValue(option) is { Length: > 0 } path ? path : null;

    /// <summary>Options from a parse; the problems (each one line, saying what to set) when the flags do not make sense.</summary>
    public static (ApiServerOptions? Options, IReadOnlyList<string> Problems) ToOptions(ParseResult parse)
    {
        var problems = new List<string>();
        var options = new ApiServerOptions
        {
            MetricResolution = GoDuration.ParseFlag(MetricResolution.Name, parse.GetValue(MetricResolution), problems),
            KubeletRequestTimeout = GoDuration.ParseFlag(KubeletRequestTimeout.Name, parse.GetValue(KubeletRequestTimeout), problems),
            EtcdServers = parse.GetValue(EtcdServers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            EtcdCAFile = FileFlag(parse, EtcdCAFile),
            EtcdCertFile = FileFlag(parse, EtcdCertFile),
            EtcdKeyFile = FileFlag(parse, EtcdKeyFile),
            EtcdPrefix = parse.GetValue(EtcdPrefix)!,
            BindAddress = parse.GetValue(BindAddress)!,
            AdvertiseAddress = parse.GetValue(AdvertiseAddress) is { Length: > 0 } advertise ? advertise : null,
            EndpointReconcilerType = parse.GetValue(EndpointReconcilerType)!,
            Port = parse.GetValue(Port),
            GrpcPort = parse.GetValue(GrpcPort),
            WatchCacheCapacity = parse.GetValue(WatchCacheSize),
            // As before: a timeout or TTL below one second is one second.
            EtcdStartupTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(EtcdStartupTimeout))),
            EventTtl = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(EventTtl))),
            DefaultNotReadyTolerationSeconds = parse.GetValue(NotReadyToleration),
            DefaultUnreachableTolerationSeconds = parse.GetValue(UnreachableToleration),
            ServiceClusterIPRange = parse.GetValue(ServiceClusterIPRange)!,
            ServiceNodePortRange = parse.GetValue(ServiceNodePortRange)!,
            EncryptionProviderConfig = parse.GetValue(EncryptionProviderConfig) is { Length: > 0 } encryptionConfig ? encryptionConfig : null,
            PodSecurityDefaultEnforce = parse.GetValue(PodSecurityDefaultEnforce)!,
            AuthorizationMode = parse.GetValue(AuthorizationMode)!,
            TokenAuthFile = FileFlag(parse, TokenAuthFile),
            ClientCAFile = FileFlag(parse, ClientCAFile),
            TlsCertFile = FileFlag(parse, TlsCertFile),
            TlsPrivateKeyFile = FileFlag(parse, TlsPrivateKeyFile),
            KubeletClientCertificate = FileFlag(parse, KubeletClientCertificate),
            KubeletClientKey = FileFlag(parse, KubeletClientKey),
            KubeletCertificateAuthority = FileFlag(parse, KubeletCertificateAuthority),
            AuditLogPath = parse.GetValue(AuditLogPath) is { Length: > 0 } auditLog ? auditLog : null,
            AuditPolicyFile = parse.GetValue(AuditPolicyFile) is { Length: > 0 } auditPolicy ? auditPolicy : null,
            ServiceAccountIssuer = parse.GetValue(ServiceAccountIssuer)!,
            ServiceAccountSigningKeyFile = FileFlag(parse, ServiceAccountSigningKeyFile),
            ServiceAccountKeyFiles = ListFlag(parse, ServiceAccountKeyFile),
            ApiAudiences = ListFlag(parse, ApiAudiences),
            DisableAdmissionPlugins = ListFlag(parse, DisableAdmissionPlugins),
        };
        if (ComponentLogging.LevelProblem(parse.GetValue(LogLevel)) is { } levelProblem)
        {
            problems.Add(levelProblem);
        }
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        return problems.Count == 0 ? (options, problems) : (null, problems);
    }
}
