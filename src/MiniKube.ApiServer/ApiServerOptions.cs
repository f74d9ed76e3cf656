using System.Net;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

public sealed class ApiServerOptions
{
    /// <summary>etcd client URLs (<c>--etcd-servers</c>).</summary>
    public IList<string> EtcdServers { get; set; } = ["http://127.0.0.1:2379"];

    /// <summary>
    /// PEM bundle of the CAs an https etcd's serving certificate must chain to (<c>--etcd-cafile</c>). Without it an https
    /// etcd is checked against the system's roots, as in Kubernetes.
    /// </summary>
    public string? EtcdCAFile { get; set; }

    /// <summary>PEM client certificate shown to etcd (<c>--etcd-certfile</c>), for an etcd started with <c>--client-cert-auth</c>.</summary>
    public string? EtcdCertFile { get; set; }

    /// <summary>PEM private key of <see cref="EtcdCertFile"/> (<c>--etcd-keyfile</c>).</summary>
    public string? EtcdKeyFile { get; set; }

    /// <summary>Key prefix in etcd (<c>--etcd-prefix</c>); Kubernetes' default.</summary>
    public string EtcdPrefix { get; set; } = "/registry";

    /// <summary>Address both ports listen on (<c>--bind-address</c>).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The address published as the endpoint of the <c>default/kubernetes</c> Service (<c>--advertise-address</c>). When it
    /// differs from <see cref="BindAddress"/> (and that is not 0.0.0.0) the REST port listens there too, so pods reach the API
    /// through the ClusterIP: <c>cluster up</c> gives the Docker bridge's gateway. Null: the bind address (127.0.0.1 for 0.0.0.0),
    /// reachable from the host only.
    /// </summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>The advertise address in effect.</summary>
    public string EffectiveAdvertiseAddress => AdvertiseAddress ?? (BindAddress is "0.0.0.0" ? "127.0.0.1" : BindAddress);

    /// <summary>Whether the REST port needs a listener of its own on the advertise address.</summary>
    public bool ListensOnAdvertiseAddress => AdvertiseAddress is not null && AdvertiseAddress != BindAddress && BindAddress != "0.0.0.0";

    /// <summary>
    /// How the <c>default/kubernetes</c> Service's endpoints are kept (<c>--endpoint-reconciler-type</c>): <c>lease</c> (each API
    /// server keeps an expiring lease in etcd and publishes every live one, Kubernetes' default) or <c>none</c>.
    /// </summary>
    public string EndpointReconcilerType { get; set; } = EndpointReconcilerTypes.Lease;

    /// <summary>How often each API server renews its endpoint lease and reconciles the Service (Kubernetes: 10 s).</summary>
    public TimeSpan EndpointReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an endpoint lease outlives its last renewal (Kubernetes: 15 s); etcd may keep it up to one more TTL.</summary>
    public TimeSpan EndpointLeaseTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>HTTP/1.1 port: health, /version, the REST facade (<c>--port</c>); 0 picks a free port.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>h2c gRPC port (<c>--grpc-port</c>); 0 picks a free port.</summary>
    public int GrpcPort { get; set; } = 8081;

    /// <summary>Events each resource's watch cache keeps so watchers can resume without re-listing.</summary>
    public int WatchCacheCapacity { get; set; } = 10_000;

    /// <summary>Events a single watcher may fall behind by before it is closed (it then resumes from its last version).</summary>
    public int WatcherBufferCapacity { get; set; } = 10_000;

    /// <summary>How often watchers that asked for bookmarks receive one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long Events live before etcd expires them (<c>--event-ttl</c>; Kubernetes: 1 h).</summary>
    public TimeSpan EventTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long start-up waits for etcd before failing.</summary>
    public TimeSpan EtcdStartupTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>tolerationSeconds</c> of the not-ready NoExecute toleration that the DefaultTolerationSeconds admission adds to
    /// every pod without one (<c>--default-not-ready-toleration-seconds</c>; Kubernetes: 300).
    /// </summary>
    public long DefaultNotReadyTolerationSeconds { get; set; } = Defaulter.DefaultTolerationSeconds;

    /// <summary>The same for the unreachable toleration (<c>--default-unreachable-toleration-seconds</c>; Kubernetes: 300).</summary>
    public long DefaultUnreachableTolerationSeconds { get; set; } = Defaulter.DefaultTolerationSeconds;

    /// <summary>The IPv4 CIDR ClusterIPs are allocated from (<c>--service-cluster-ip-range</c>; Kubernetes' kubeadm default).</summary>
    public string ServiceClusterIPRange { get; set; } = ApiServer.ServiceIPRange.Default;

    /// <summary>The ports NodePorts are allocated from (<c>--service-node-port-range</c>, MIN-MAX inclusive).</summary>
    public string ServiceNodePortRange { get; set; } = ApiServer.NodePortRange.Default;

    /// <summary>How often the resource metrics pipeline scrapes every kubelet (<c>--metric-resolution</c>; metrics-server: 15 s).</summary>
    public TimeSpan MetricResolution { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one kubelet stats scrape may take before that node drops out (<c>--kubelet-request-timeout</c>; 10 s).</summary>
    public TimeSpan KubeletRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An EncryptionConfiguration file (<c>--encryption-provider-config</c>): the resources it lists are encrypted in etcd.
    /// Null stores everything as it is.
    /// </summary>
    public string? EncryptionProviderConfig { get; set; }

    /// <summary>
    /// The Pod Security level a namespace without a <c>pod-security.kubernetes.io/enforce</c> label enforces
    /// (<c>--pod-security-default-enforce</c>: privileged, baseline or restricted); kube-system is privileged unless labelled.
    /// </summary>
    public string PodSecurityDefaultEnforce { get; set; } = "baseline";

    /// <summary><see cref="PodSecurityDefaultEnforce"/> parsed (restricted when it does not parse; Validate says so).</summary>
    public PodSecurityLevel PodSecurityDefaultEnforceLevel =>
        PodSecurityLabels.TryParseLevel(PodSecurityDefaultEnforce, out var level) ? level : PodSecurityLevel.Restricted;

    /// <summary>
    /// Static bearer tokens, Kubernetes' CSV <c>token,user,uid,"group1,group2"</c> (<c>--token-auth-file</c>). Authentication is
    /// on when any authenticator is configured; without one every request is served as before.
    /// </summary>
    public string? TokenAuthFile { get; set; }

    /// <summary>
    /// Authorizers tried in order (<c>--authorization-mode</c>: AlwaysAllow, AlwaysDeny, RBAC). AlwaysAllow by default until
    /// <c>minictl cluster up</c> gives its components credentials; Kubernetes' own default is AlwaysAllow too.
    /// </summary>
    public string AuthorizationMode { get; set; } = Security.AuthorizationModes.AlwaysAllow;

    /// <summary>PEM bundle of the CAs whose client certificates authenticate (user = CN, groups = O; <c>--client-ca-file</c>).</summary>
    public string? ClientCAFile { get; set; }

    /// <summary>PEM serving certificate for both ports (<c>--tls-cert-file</c>); with it both ports speak TLS only.</summary>
    public string? TlsCertFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/> (<c>--tls-private-key-file</c>).</summary>
    public string? TlsPrivateKeyFile { get; set; }

    /// <summary>Whether both ports serve TLS.</summary>
    public bool ServesTls => TlsCertFile is not null;

    /// <summary>
    /// PEM client certificate the API server presents to kubelets (<c>--kubelet-client-certificate</c>); with it the API
    /// server calls kubelets over https. Its user (CN) needs nodes/proxy, nodes/log and nodes/stats (system:kubelet-api-admin).
    /// </summary>
    public string? KubeletClientCertificate { get; set; }

    /// <summary>PEM private key of <see cref="KubeletClientCertificate"/> (<c>--kubelet-client-key</c>).</summary>
    public string? KubeletClientKey { get; set; }

    /// <summary>PEM CA bundle a kubelet's serving certificate must chain to (<c>--kubelet-certificate-authority</c>); without it, as in Kubernetes, it is not checked.</summary>
    public string? KubeletCertificateAuthority { get; set; }

    /// <summary>Where audit events go, one JSON line each (<c>--audit-log-path</c>; <c>-</c> is stdout). Null: no audit log.</summary>
    public string? AuditLogPath { get; set; }

    /// <summary>The audit.k8s.io/v1 Policy saying what is logged (<c>--audit-policy-file</c>); without one nothing is, as in Kubernetes.</summary>
    public string? AuditPolicyFile { get; set; }

    /// <summary>Kubernetes' default issuer of service account tokens (<c>--service-account-issuer</c>).</summary>
    public const string DefaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The <c>iss</c> of the service account tokens this server issues and the one it accepts (<c>--service-account-issuer</c>).</summary>
    public string ServiceAccountIssuer { get; set; } = DefaultServiceAccountIssuer;

    /// <summary>
    /// PEM private key (RSA or ECDSA P-256) that signs service account tokens (<c>--service-account-signing-key-file</c>). Null: a
    /// key generated in memory at start, so tokens die with the process and no other API server accepts them (a warning says so).
    /// </summary>
    public string? ServiceAccountSigningKeyFile { get; set; }

    /// <summary>PEM files of the public keys service account tokens may be signed with (<c>--service-account-key-file</c>, repeatable).</summary>
    public IList<string> ServiceAccountKeyFiles { get; set; } = [];

    /// <summary>Audiences a token must carry one of (<c>--api-audiences</c>); empty means the issuer.</summary>
    public IList<string> ApiAudiences { get; set; } = [];

    /// <summary>The audiences in effect: <see cref="ApiAudiences"/>, or the issuer as Kubernetes defaults them.</summary>
    public IReadOnlyList<string> EffectiveApiAudiences => ApiAudiences.Count > 0 ? [.. ApiAudiences] : [ServiceAccountIssuer];

    /// <summary>
    /// Admission plugins turned off (<c>--disable-admission-plugins</c>); only <c>ServiceAccount</c> can be: without it pods
    /// get no default service account and a missing one is not refused.
    /// </summary>
    public IList<string> DisableAdmissionPlugins { get; set; } = [];

    /// <summary>Whether the ServiceAccount admission plugin runs (it does unless disabled, as in Kubernetes).</summary>
    public bool ServiceAccountAdmission => !DisableAdmissionPlugins.Contains(ServiceAccountAdmissionPlugin, StringComparer.Ordinal);

    public const string ServiceAccountAdmissionPlugin = "ServiceAccount";

    /// <summary>The admission defaults these options configure.</summary>
    public AdmissionDefaults Admission => new()
    {
        NotReadyTolerationSeconds = DefaultNotReadyTolerationSeconds,
        UnreachableTolerationSeconds = DefaultUnreachableTolerationSeconds,
    };

    /// <summary>Returns every problem with these options, each saying what to set.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (EtcdServers.Count == 0)
        {
            problems.Add("--etcd-servers is required (e.g. --etcd-servers http://127.0.0.1:2379)");
        }
        foreach (var server in EtcdServers)
        {
            if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                problems.Add($"--etcd-servers: \"{server}\" is not a URL such as http://127.0.0.1:2379");
            }
        }
        foreach (var (flag, file) in new[] { ("--etcd-cafile", EtcdCAFile), ("--etcd-certfile", EtcdCertFile), ("--etcd-keyfile", EtcdKeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                problems.Add($"{flag}: file \"{file}\" does not exist");
            }
        }
        if ((EtcdCertFile is null) != (EtcdKeyFile is null))
        {
            problems.Add("--etcd-certfile and --etcd-keyfile go together: set both to show etcd a client certificate, or neither");
        }
        if ((EtcdCAFile ?? EtcdCertFile ?? EtcdKeyFile) is not null
            && EtcdServers.FirstOrDefault(s => s.StartsWith("http:", StringComparison.OrdinalIgnoreCase)) is { } plaintext)
        {
            problems.Add($"--etcd-servers: \"{plaintext}\" is plaintext, but --etcd-cafile/--etcd-certfile/--etcd-keyfile are set: use https URLs");
        }
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            problems.Add($"--bind-address: \"{BindAddress}\" is not an IP address");
        }
        if (AdvertiseAddress is not null && (!IPAddress.TryParse(AdvertiseAddress, out var advertise) || advertise.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || advertise.Equals(IPAddress.Any)))
        {
            problems.Add($"--advertise-address: \"{AdvertiseAddress}\" is not an IPv4 address of this host (e.g. the Docker bridge's gateway, 172.17.0.1)");
        }
        if (EndpointReconcilerType is not (EndpointReconcilerTypes.Lease or EndpointReconcilerTypes.None))
        {
            problems.Add($"--endpoint-reconciler-type: \"{EndpointReconcilerType}\" is not one of lease, none");
        }
        if (EndpointReconcileInterval <= TimeSpan.Zero || EndpointLeaseTtl <= EndpointReconcileInterval)
        {
            problems.Add("the endpoint lease TTL must be longer than the (positive) reconcile interval, or a live API server's lease lapses");
        }
        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port: {Port} is not a port number (0-65535)");
        }
        if (GrpcPort is < 0 or > 65535)
        {
            problems.Add($"--grpc-port: {GrpcPort} is not a port number (0-65535)");
        }
        if (Port != 0 && Port == GrpcPort)
        {
            problems.Add("--port and --grpc-port must differ: gRPC needs an HTTP/2-only port of its own");
        }
        if (DefaultNotReadyTolerationSeconds < 0)
        {
            problems.Add($"--default-not-ready-toleration-seconds: {DefaultNotReadyTolerationSeconds} must not be negative");
        }
        if (DefaultUnreachableTolerationSeconds < 0)
        {
            problems.Add($"--default-unreachable-toleration-seconds: {DefaultUnreachableTolerationSeconds} must not be negative");
        }
        if (!ApiServer.ServiceIPRange.TryParse(ServiceClusterIPRange, out _, out var ipRangeError))
        {
            problems.Add("--service-cluster-ip-range: " + ipRangeError);
        }
        if (!ApiServer.NodePortRange.TryParse(ServiceNodePortRange, out _, out var portRangeError))
        {
            problems.Add("--service-node-port-range: " + portRangeError);
        }
        if (MetricResolution < TimeSpan.FromMilliseconds(100))
        {
            problems.Add($"--metric-resolution: {MetricResolution.TotalSeconds}s is too short (at least 100ms, e.g. --metric-resolution 15s)");
        }
        if (KubeletRequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("--kubelet-request-timeout must be positive (e.g. --kubelet-request-timeout 10s)");
        }
        if (!PodSecurityLabels.TryParseLevel(PodSecurityDefaultEnforce, out _))
        {
            problems.Add($"--pod-security-default-enforce: \"{PodSecurityDefaultEnforce}\" {PodSecurityLabels.LevelMessage}");
        }
        foreach (var (flag, file) in new[] { ("--token-auth-file", TokenAuthFile), ("--client-ca-file", ClientCAFile), ("--tls-cert-file", TlsCertFile),
            ("--tls-private-key-file", TlsPrivateKeyFile), ("--kubelet-client-certificate", KubeletClientCertificate), ("--kubelet-client-key", KubeletClientKey),
            ("--kubelet-certificate-authority", KubeletCertificateAuthority) })
        {
            if (file is not null && !File.Exists(file))
            {
                problems.Add($"{flag}: file \"{file}\" does not exist");
            }
        }
        if (ServiceAccountSigningKeyFile is { } signingKey && !File.Exists(signingKey))
        {
            problems.Add($"--service-account-signing-key-file: file \"{signingKey}\" does not exist");
        }
        foreach (var keyFile in ServiceAccountKeyFiles.Where(f => !File.Exists(f)))
        {
            problems.Add($"--service-account-key-file: file \"{keyFile}\" does not exist");
        }
        if (string.IsNullOrWhiteSpace(ServiceAccountIssuer))
        {
            problems.Add($"--service-account-issuer must not be empty (e.g. --service-account-issuer {DefaultServiceAccountIssuer})");
        }
        else if (ServiceAccountIssuer.Contains(':', StringComparison.Ordinal)
            && (!Uri.TryCreate(ServiceAccountIssuer, UriKind.Absolute, out var issuer) || issuer.Scheme != "https"))
        {
            // Kubernetes: a URL issuer must be https (an issuer without a colon is an opaque string).
            problems.Add($"--service-account-issuer: \"{ServiceAccountIssuer}\" must be an https URL or a string without a colon");
        }
        foreach (var plugin in DisableAdmissionPlugins.Where(p => p != ServiceAccountAdmissionPlugin))
        {
            problems.Add($"--disable-admission-plugins: \"{plugin}\" cannot be disabled here (supported values: \"{ServiceAccountAdmissionPlugin}\")");
        }
        if ((TlsCertFile is null) != (TlsPrivateKeyFile is null))
        {
            problems.Add("--tls-cert-file and --tls-private-key-file go together: set both to serve TLS, or neither");
        }
        if ((KubeletClientCertificate is null) != (KubeletClientKey is null))
        {
            problems.Add("--kubelet-client-certificate and --kubelet-client-key go together: set both to call kubelets over https, or neither");
        }
        if (KubeletCertificateAuthority is not null && KubeletClientCertificate is null)
        {
            problems.Add("--kubelet-certificate-authority needs --kubelet-client-certificate and --kubelet-client-key: kubelets are called over https only with them");
        }
        if (ClientCAFile is not null && TlsCertFile is null)
        {
            problems.Add("--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates travel only over TLS");
        }
        problems.AddRange(Security.AuthorizationModes.Parse(AuthorizationMode, out _));
        if (WatchCacheCapacity < 100)
        {
            problems.Add("--watch-cache-size must be at least 100");
        }
        if (AuditPolicyFile is { } auditPolicy)
        {
            try
            {
                AuditPolicy.Load(auditPolicy);
            }
            catch (AuditPolicyException ex)
            {
                problems.Add("--audit-policy-file: " + ex.Message);
            }
        }
        if (AuditLogPath is { } auditLog && auditLog != "-" && Path.GetDirectoryName(Path.GetFullPath(auditLog)) is { } auditDirectory && !Directory.Exists(auditDirectory))
        {
            problems.Add($"--audit-log-path: the directory {auditDirectory} does not exist");
        }
        if (EncryptionProviderConfig is { } encryptionConfig)
        {
            try
            {
                EncryptionConfiguration.Load(encryptionConfig);
            }
            catch (EncryptionConfigurationException ex)
            {
                problems.Add("--encryption-provider-config: " + ex.Message);
            }
        }
        return problems;
    }
}

/// <summary>The values of <c>--endpoint-reconciler-type</c> (Kubernetes' names; master-count is not offered).</summary>
public static class EndpointReconcilerTypes
{
    public const string Lease = "lease";
    public const string None = "none";
}
