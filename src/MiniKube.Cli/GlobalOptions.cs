using System.CommandLine;
using MiniKube.Client;

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

    /// <summary>kubectl's <c>--token</c>, <c>--certificate-authority</c>, <c>--client-certificate</c>, <c>--client-key</c>.</summary>
    public ClientCredentialFlags Credentials { get; } = new(recursive: true);

    public void AddTo(Command root)
    {
        foreach (var option in Credentials.All)
        {
            root.Options.Add(option);
        }
        root.Options.Add(Server);
        root.Options.Add(Namespace);
        root.Options.Add(RequestTimeout);
    }
}
