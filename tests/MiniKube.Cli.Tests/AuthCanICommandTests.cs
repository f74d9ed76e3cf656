using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary><c>minictl auth can-i</c> and minictl's Forbidden errors against a real API server with tokens and RBAC.</summary>
public sealed class AuthCanICommandTests : IAsyncLifetime
{
    private const string AdminToken = "root-token-0123456789";
    private const string JaneToken = "jane-token-0123456789";
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "minikube-cli-rbac-" + Guid.NewGuid().ToString("N") + ".csv");
    private TestApiServer? _server;

    private TestApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, $"{AdminToken},root,1,\"system:masters\"\n{JaneToken},jane,1001\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TokenAuthFile = _tokenFile;
            o.AuthorizationMode = "RBAC";
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        File.Delete(_tokenFile);
    }

    [Fact]
    public async Task Can_i_prints_yes_or_no_and_exits_0_or_1_and_denied_commands_print_Forbidden()
    {
        using var admin = Server.NewClient(new ClientCredentials { BearerToken = AdminToken });
        var ns = "t-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        var binding = new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "jane-view", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = "User", ApiGroup = RbacGroup.Name, Name = "jane" }],
        };
        await admin.CreateAsync(binding);
        var rbac = Server.Services.GetRequiredService<RbacAuthorizer>();
        await Eventually.WaitAsync(() => Task.FromResult(rbac.Contains(binding)), TimeSpan.FromSeconds(10), "the RBAC policy to hold jane-view");
        var cli = new Minictl(Server.GrpcAddress);

        var list = await cli.RunAsync("--token", JaneToken, "auth", "can-i", "list", "pods", "-n", ns);
        var create = await cli.RunAsync("--token", JaneToken, "auth", "can-i", "create", "pods", "-n", ns);
        var all = await cli.RunAsync("--token", JaneToken, "auth", "can-i", "list", "pods", "--all-namespaces");
        var named = await cli.RunAsync("--token", AdminToken, "auth", "can-i", "delete", "node/n1");
        var get = await cli.RunAsync("--token", JaneToken, "get", "pods", "-n", "default");
        var help = await cli.RunAsync("auth", "can-i", "--help");

        Assert.Equal(new CliResult(0, "yes\n", ""), list);
        Assert.Equal(new CliResult(1, "no\n", ""), create);
        Assert.Equal(new CliResult(1, "no\n", ""), all);
        Assert.Equal(new CliResult(0, "yes\n", ""), named);
        Assert.Equal(new CliResult(1, "",
            "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"), get);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Check whether an action is allowed.", help.Out, StringComparison.Ordinal);
    }
}
