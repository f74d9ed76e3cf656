using System.Net;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>
/// minictl against an API server with TLS, client certificates and tokens: kubectl's credential flags, the same settings
/// in the client config file, and kubectl's message when the server says 401.
/// </summary>
public sealed class AuthenticationCommandTests : IAsyncLifetime
{
    private const string Token = "cli-token-1";
    private readonly TempDirectory _dir = new();
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-ca");
    private TestApiServer? _server;

    private TestApiServer Server => _server!;

    private string FilePath(string name) => Path.Combine(_dir.Path, name);

    public async Task InitializeAsync()
    {
        using (var serving = _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, FilePath("apiserver.crt"), FilePath("apiserver.key"));
        }
        using (var admin = _ca.IssueClient("admin", ["system:masters"]))
        {
            PemFiles.Write(admin, FilePath("admin.crt"), FilePath("admin.key"));
        }
        await File.WriteAllTextAsync(FilePath("ca.crt"), _ca.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(FilePath("tokens.csv"), $"{Token},tom,7\n");
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
        _dir.Dispose();
    }

    [Fact]
    public async Task Without_credentials_minictl_says_to_log_in_as_kubectl_does()
    {
        var result = await new Minictl(Server.GrpcAddress).RunAsync("get", "ns", "default", "-o", "name", "--certificate-authority", FilePath("ca.crt"));

        Assert.Equal(new CliResult(1, "", "error: You must be logged in to the server (Unauthorized)\n"), result);
    }

    [Fact]
    public async Task A_token_flag_gets_in()
    {
        var result = await new Minictl(Server.GrpcAddress).RunAsync("get", "ns", "default", "-o", "name",
            "--certificate-authority", FilePath("ca.crt"), "--token", Token);

        Assert.Equal(new CliResult(0, "namespace/default\n", ""), result);
    }

    [Fact]
    public async Task A_client_certificate_from_the_config_file_gets_in()
    {
        var config = FilePath("config");
        await File.WriteAllTextAsync(config, $"""
            server: {Server.GrpcAddress}
            certificate-authority: {FilePath("ca.crt")}
            client-certificate: {FilePath("admin.crt")}
            client-key: {FilePath("admin.key")}

            """);

        var result = await new Minictl(Server.GrpcAddress, configFile: config).RunAsync("get", "ns", "default", "-o", "name");

        Assert.Equal(new CliResult(0, "namespace/default\n", ""), result);
    }

    [Fact]
    public async Task A_certificate_without_its_key_or_an_unreadable_CA_is_a_clear_error()
    {
        var halfPair = await new Minictl(Server.GrpcAddress).RunAsync("get", "ns", "--client-certificate", FilePath("admin.crt"));
        var badCa = await new Minictl(Server.GrpcAddress).RunAsync("get", "ns", "--certificate-authority", FilePath("tokens.csv"));

        Assert.Equal(new CliResult(1, "",
            "error: client-certificate and client-key go together: set both (--client-certificate and --client-key) or neither\n"), halfPair);
        Assert.Equal(1, badCa.ExitCode);
        Assert.StartsWith($"error: certificate-authority: cannot load \"{FilePath("tokens.csv")}\": ", badCa.Err, StringComparison.Ordinal);
    }
}
