using MiniKube.Api;
using MiniKube.Controllers.ServiceAccounts;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class ServiceAccountControllerTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private ServiceAccountController _controller = null!;

    public Task InitializeAsync()
    {
        _controller = new ServiceAccountController(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        await _world.DisposeAsync();
    }

    private static Namespace Active(string name) => new()
    {
        Metadata = WorkloadObjects.Meta(name, null, null),
        Status = new NamespaceStatus { Phase = NamespacePhase.Active },
    };

    [Fact]
    public async Task An_active_namespace_without_a_default_account_gets_one()
    {
        _world.Seed(Active("team"));

        await _controller.ReconcileAsync("team", default);

        Assert.Equal(["create serviceaccounts team/default"], _world.Client.Actions);
        var created = Assert.IsType<ServiceAccount>(Assert.Single(_world.Client.Written));
        Assert.Equal(("default", "team"), (created.Metadata.Name, created.Metadata.Namespace));
    }

    [Fact]
    public async Task A_namespace_that_has_its_default_account_or_is_terminating_or_gone_is_left_alone()
    {
        _world.Seed(Active("has"), new ServiceAccount { Metadata = WorkloadObjects.Meta("default", "has", null) },
            Active("ending") with { Status = new NamespaceStatus { Phase = NamespacePhase.Terminating } });

        await _controller.ReconcileAsync("has", default);
        await _controller.ReconcileAsync("ending", default);
        await _controller.ReconcileAsync("gone", default);

        Assert.Empty(_world.Client.Actions);
    }

    [Fact]
    public async Task An_account_that_already_exists_on_the_server_is_not_an_error()
    {
        _world.Seed(Active("team"));
        _world.Client.Fail = action => action == "create serviceaccounts team/default" ? ApiException.AlreadyExists(ResourceRegistry.For<ServiceAccount>(), "default") : null;

        var result = await _controller.ReconcileAsync("team", default);

        Assert.Null(result.RequeueAfter);
        Assert.Equal(["create serviceaccounts team/default"], _world.Client.Actions);
    }
}
