using System.Diagnostics;
using System.Net;
using System.Text;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// The real kubectl against an API server serving TLS with <c>--client-ca-file</c> and <c>--token-auth-file</c>: a kubeconfig
/// with a token or a client certificate from the test CA works (and <c>kubectl auth whoami</c> names the user), one without
/// credentials the server takes gets kubectl's Unauthorized message, and one with a certificate from another CA cannot connect.
/// </summary>
public sealed class KubectlAuthenticationTests : IAsyncLifetime
{
    private const string Token = "kubectl-token-9";
    private readonly string _home = Directory.CreateTempSubdirectory("minikube-kubectl-auth-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-ca");
    private TestApiServer? _server;

    private string FilePath(string name) => Path.Combine(_home, name);

    public async Task InitializeAsync()
    {
        using (var serving = _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, FilePath("apiserver.crt"), FilePath("apiserver.key"));
        }
        await File.WriteAllTextAsync(FilePath("ca.crt"), _ca.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(FilePath("tokens.csv"), $"{Token},tom,7,\"dev\"\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TlsCertFile = FilePath("apiserver.crt");
            o.TlsPrivateKeyFile = FilePath("apiserver.key");
            o.ClientCAFile = FilePath("ca.crt");
            o.TokenAuthFile = FilePath("tokens.csv");
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task A_kubeconfig_with_a_token_works()
    {
        var kubeconfig = Kubeconfig("token", $"user:\n    token: {Token}");

        var get = await KubectlAsync(kubeconfig, "get", "namespace", "default", "-o", "name");
        var whoami = await KubectlAsync(kubeconfig, "auth", "whoami");

        Assert.True(get.ExitCode == 0, get.Describe());
        Assert.Equal("namespace/default\n", get.Stdout);
        Assert.True(whoami.ExitCode == 0, whoami.Describe());
        Assert.Matches(@"Username\s+tom\n", whoami.Stdout);
        Assert.Matches(@"UID\s+7\n", whoami.Stdout);
        Assert.Matches(@"Groups\s+\[dev system:authenticated\]\n", whoami.Stdout);
    }

    [Fact]
    public async Task Create_serviceaccount_and_create_token_work_and_the_token_authenticates_as_the_account()
    {
        var kubeconfig = Kubeconfig("sa", $"user:\n    token: {Token}");
        var ns = "sa-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(0, (await KubectlAsync(kubeconfig, "create", "namespace", ns)).ExitCode);
        var create = await KubectlAsync(kubeconfig, "create", "serviceaccount", "robot", "-n", ns);
        var get = await KubectlAsync(kubeconfig, "get", "sa", "robot", "-n", ns);
        var token = await KubectlAsync(kubeconfig, "create", "token", "robot", "-n", ns, "--duration", "15m");

        Assert.True(create.ExitCode == 0, create.Describe());
        Assert.Equal("serviceaccount/robot created\n", create.Stdout);
        Assert.True(get.ExitCode == 0, get.Describe());
        Assert.Matches(@"^NAME\s+SECRETS\s+AGE\nrobot\s+0\s+\d+s\n$", get.Stdout);
        Assert.True(token.ExitCode == 0, token.Describe());
        var parts = token.Stdout.Trim().Split('.');
        Assert.Equal(3, parts.Length);
        var payload = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))!;
        Assert.Equal($"system:serviceaccount:{ns}:robot", (string?)payload["sub"]);
        Assert.Equal(900, (long)payload["exp"]! - (long)payload["iat"]!);

        var whoami = await KubectlAsync(Kubeconfig("robot", $"user:\n    token: {token.Stdout.Trim()}"), "auth", "whoami");
        Assert.True(whoami.ExitCode == 0, whoami.Describe());
        Assert.Matches($@"Username\s+system:serviceaccount:{ns}:robot\n", whoami.Stdout);
        Assert.Matches($@"Groups\s+\[system:serviceaccounts system:serviceaccounts:{ns} system:authenticated\]\n", whoami.Stdout);
    }

    [Fact]
    public async Task A_kubeconfig_without_credentials_the_server_takes_gets_Unauthorized()
    {
        // A user with no credentials at all makes kubectl prompt for a password on a terminal; a user name and password
        // (basic auth, which neither Kubernetes since 1.19 nor MiniKube accepts) is the same to the server: nobody it knows.
        var kubeconfig = Kubeconfig("nobody", "user:\n    username: nobody\n    password: secret");

        var get = await KubectlAsync(kubeconfig, "get", "namespace", "default", "-o", "name");

        Assert.NotEqual(0, get.ExitCode);
        Assert.Equal("", get.Stdout);
        // Discovery fails first, so kubectl words it as client-go does for a 401 there, the same as against Kubernetes.
        Assert.True(get.Stderr.Contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)",
            StringComparison.Ordinal), get.Describe());
    }

    [Fact]
    public async Task A_kubeconfig_with_a_client_certificate_from_the_test_CA_works_and_whoami_names_its_CN_and_Os()
    {
        using var jane = _ca.IssueClient("jane", ["dev", "ops"]);
        var certificate = Base64(jane.ExportCertificatePem() + "\n");
        var key = Base64(PemFiles.PrivateKeyPem(jane));
        var kubeconfig = Kubeconfig("jane", $"user:\n    client-certificate-data: {certificate}\n    client-key-data: {key}");

        var get = await KubectlAsync(kubeconfig, "get", "namespace", "default", "-o", "name");
        var whoami = await KubectlAsync(kubeconfig, "auth", "whoami");

        Assert.True(get.ExitCode == 0, get.Describe());
        Assert.Equal("namespace/default\n", get.Stdout);
        Assert.True(whoami.ExitCode == 0, whoami.Describe());
        Assert.Matches(@"Username\s+jane\n", whoami.Stdout);
        Assert.Matches(@"Groups\s+\[dev ops system:authenticated\]\n", whoami.Stdout);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_fails_the_TLS_handshake()
    {
        using var other = CertificateAuthority.Create("someone-else");
        using var mallory = other.IssueClient("mallory", ["system:masters"]);
        var kubeconfig = Kubeconfig("mallory",
            $"user:\n    client-certificate-data: {Base64(mallory.ExportCertificatePem() + "\n")}\n    client-key-data: {Base64(PemFiles.PrivateKeyPem(mallory))}");

        // --raw: one request, without the discovery retries of a typed get.
        var get = await KubectlAsync(kubeconfig, "get", "--raw", "/api/v1/namespaces/default");

        // The server ends the connection at the end of the handshake, before any HTTP: kubectl sees EOF, not a 401.
        Assert.NotEqual(0, get.ExitCode);
        Assert.DoesNotContain("Unauthorized", get.Stderr, StringComparison.Ordinal);
        Assert.Contains("Unable to connect to the server", get.Stderr, StringComparison.Ordinal);

    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    /// <summary>A kubeconfig trusting the test CA (by file, as <c>certificate-authority</c>), with <paramref name="user"/>'s fields.</summary>
    private string Kubeconfig(string name, string user)
    {
        var path = FilePath(name + ".kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {_server!.HttpAddress}
                certificate-authority: {FilePath("ca.crt")}
            users:
            - name: {name}
              {user}
            contexts:
            - name: test
              context:
                cluster: test
                user: {name}
            current-context: test
            """);
        return path;
    }

    private async Task<KubectlResult> KubectlAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = _home;
        start.Environment["KUBECONFIG"] = kubeconfig;
        var output = await ProgramRunner.RunAsync(start, "kubectl " + string.Join(' ', args), TimeSpan.FromSeconds(90), stdin: null);
        return new KubectlResult(args, output.ExitCode, output.StandardOutput, output.StandardError);
    }
}
