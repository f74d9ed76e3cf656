using MiniKube.Api;
using MiniKube.Controllers.Namespaces;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class NamespaceControllerTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private NamespaceController _controller = null!;

    public Task InitializeAsync()
    {
        _controller = new NamespaceController(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        await _world.DisposeAsync();
    }

    private static Namespace Terminating(string name) => new()
    {
        Metadata = WorkloadObjects.Meta(name, null, null) with { DeletionTimestamp = UnitWorld.Start },
        Spec = new NamespaceSpec { Finalizers = [Finalizers.Kubernetes] },
        Status = new NamespaceStatus { Phase = NamespacePhase.Terminating },
    };

    [Fact]
    public async Task Deletes_the_content_reports_what_remained_and_finalizes_once_it_is_gone()
    {
        _world.Seed(Terminating("team"), WorkloadObjects.Pod("p1", ns: "team", node: "n1"), new ConfigMap { Metadata = WorkloadObjects.Meta("cm", "team", null) });

        var result = await _controller.ReconcileAsync("team", default);

        Assert.Contains("delete pods team/p1", _world.Client.Actions);
        Assert.Contains("delete configmaps team/cm", _world.Client.Actions);
        var status = _world.Client.Written.OfType<Namespace>().First().Status!;
        Assert.Equal(NamespacePhase.Terminating, status.Phase);
        var remaining = status.Conditions!.Single(c => c.Type == "NamespaceContentRemaining");
        Assert.Equal(("True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances, pods. has 1 resource instances"),
            (remaining.Status, remaining.Reason, remaining.Message));
        // The fake deletes at once, so the second look finds nothing and the finalizer goes.
        Assert.Null(result.RequeueAfter);
        Assert.Equal("update namespaces /team", _world.Client.Actions.Last());
    }

    [Fact]
    public async Task An_empty_terminating_namespace_loses_its_kubernetes_finalizer()
    {
        _world.Seed(Terminating("empty"));

        await _controller.ReconcileAsync("empty", default);

        var updated = _world.Client.Written.OfType<Namespace>().Last();
        Assert.Null(updated.Spec!.Finalizers);
        Assert.Equal("update namespaces /empty", _world.Client.Actions.Last());
    }

    [Fact]
    public async Task Content_still_finishing_is_checked_again_later()
    {
        _world.Seed(Terminating("slow"), WorkloadObjects.Pod("p1", ns: "slow", node: "n1") with
        {
            Metadata = WorkloadObjects.Pod("p1", ns: "slow").Metadata with { DeletionTimestamp = UnitWorld.Start },
        });

        var result = await _controller.ReconcileAsync("slow", default);

        Assert.Empty(_world.Client.Deletes);
        Assert.Equal(TimeSpan.FromSeconds(2), result.RequeueAfter);
        Assert.DoesNotContain("update namespaces /slow", _world.Client.Actions);
    }

    [Fact]
    public async Task A_namespace_not_being_deleted_is_left_alone()
    {
        _world.Seed(new Namespace { Metadata = WorkloadObjects.Meta("live", null, null), Spec = new NamespaceSpec { Finalizers = [Finalizers.Kubernetes] } });

        await _controller.ReconcileAsync("live", default);

        Assert.Empty(_world.Client.Actions);
    }
}
