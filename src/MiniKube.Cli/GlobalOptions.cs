using System.CommandLine;

namespace MiniKube.Cli;

/// <summary>Options every command accepts (kubectl's global flags).</summary>
public sealed class GlobalOptions
{
    public const string DefaultNamespace = "default";

    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "The address of the MiniKube API server's gRPC endpoint (default: $MINIKUBE_SERVER, then ~/.minikube/config, then http://127.0.0.1:8081)",
        Recursive = true,
    };

    public Option<string> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "If present, the namespace scope for this CLI request",
        DefaultValueFactory = _ => DefaultNamespace,
        Recursive = true,
    };

    public Option<string> RequestTimeout { get; } = new("--request-timeout")
    {
        Description = "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests.",
        DefaultValueFactory = _ => "0",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token for authentication to the API server (default: token: in ~/.minikube/config)",
        Recursive = true,
    };

    public Option<string?> CertificateAuthority { get; } = new("--certificate-authority")
    {
        Description = "Path to a cert file for the certificate authority (default: certificate-authority: in ~/.minikube/config)",
        Recursive = true,
    };

    public Option<string?> ClientCertificate { get; } = new("--client-certificate")
    {
        Description = "Path to a client certificate file for TLS (default: client-certificate: in ~/.minikube/config)",
        Recursive = true,
    };

    public Option<string?> ClientKey { get; } = new("--client-key")
    {
        Description = "Path to a client key file for TLS (default: client-key: in ~/.minikube/config)",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Token);
        root.Options.Add(CertificateAuthority);
        root.Options.Add(ClientCertificate);
        root.Options.Add(ClientKey);
        root.Options.Add(Server);
        root.Options.Add(Namespace);
        root.Options.Add(RequestTimeout);
    }
}
