using MiniKube.Api;
using MiniKube.Controllers.GarbageCollection;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class GarbageCollectorTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private GarbageCollector _gc = null!;

    public Task InitializeAsync()
    {
        _gc = new GarbageCollector(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _gc.Dispose();
        await _world.DisposeAsync();
    }

    private static ConfigMap Map(string name, params KubeObject[] owners) => new()
    {
        Metadata = WorkloadObjects.Meta(name, "default", null) with
        {
            OwnerReferences = owners.Length == 0 ? null : [.. owners.Select(o => Owners.ControllerRef(o) with { Controller = null })],
        },
    };

    private static T Deleting<T>(T obj, params string[] finalizers) where T : KubeObject =>
        obj with { Metadata = obj.Metadata with { DeletionTimestamp = UnitWorld.Start, Finalizers = finalizers } };

    [Fact]
    public async Task An_object_whose_owner_is_gone_is_deleted_in_the_background_with_a_uid_precondition()
    {
        var owner = WorkloadObjects.ReplicaSet("web", 1);
        _world.Seed(WorkloadObjects.Pod("p1", owner: owner));

        await _gc.ReconcileAsync("pods|default/p1", default);

        var (action, options) = Assert.Single(_world.Client.Deletes);
        Assert.Equal("delete pods default/p1", action);
        Assert.Equal((PropagationPolicy.Background, "uid-p1"), (options!.PropagationPolicy, options.Preconditions!.Uid));
    }

    [Fact]
    public async Task An_owner_the_cache_has_not_seen_yet_is_confirmed_live_and_nothing_is_deleted()
    {
        var owner = WorkloadObjects.ReplicaSet("web", 1);
        _world.Client.Seed(owner);
        _world.Seed(WorkloadObjects.Pod("p1", owner: owner));

        await _gc.ReconcileAsync("pods|default/p1", default);

        Assert.Empty(_world.Client.Deletes);
    }

    [Fact]
    public async Task An_owner_recreated_under_the_same_name_does_not_own_the_old_dependents()
    {
        var owner = WorkloadObjects.ReplicaSet("web", 1);
        _world.Seed(WorkloadObjects.ReplicaSet("web", 1, uid: "new-uid"), WorkloadObjects.Pod("p1", owner: owner));

        await _gc.ReconcileAsync("pods|default/p1", default);

        Assert.Equal("delete pods default/p1", Assert.Single(_world.Client.Deletes).Action);
    }

    [Fact]
    public async Task References_to_gone_owners_are_dropped_when_another_owner_remains()
    {
        var alive = Map("alive");
        var gone = Map("gone");
        _world.Seed(alive, Map("dependent", alive, gone));

        await _gc.ReconcileAsync("configmaps|default/dependent", default);

        Assert.Empty(_world.Client.Deletes);
        var patch = Assert.Single(_world.Client.PatchesSent).Patch;
        Assert.Contains("uid-alive", patch, StringComparison.Ordinal);
        Assert.DoesNotContain("uid-gone", patch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Foreground_deletes_dependents_and_keeps_the_finalizer_while_blocking_ones_remain()
    {
        var owner = Deleting(WorkloadObjects.ReplicaSet("web", 1), Finalizers.ForegroundDeletion);
        _world.Seed(owner, WorkloadObjects.Pod("p1", owner: owner), WorkloadObjects.Pod("p2", owner: owner));

        await _gc.ReconcileAsync("replicasets|default/web", default);

        Assert.Equal(["delete pods default/p1", "delete pods default/p2"], _world.Client.Deletes.Select(d => d.Action).Order(StringComparer.Ordinal));
        Assert.All(_world.Client.Deletes, d => Assert.Equal(PropagationPolicy.Foreground, d.Options!.PropagationPolicy));
        Assert.Empty(_world.Client.PatchesSent);
    }

    [Fact]
    public async Task Foreground_removes_the_finalizer_once_no_blocking_dependent_is_left()
    {
        var owner = Deleting(WorkloadObjects.ReplicaSet("web", 1), Finalizers.ForegroundDeletion, "example.com/keep");
        _world.Seed(owner);

        await _gc.ReconcileAsync("replicasets|default/web", default);

        var (action, patch) = Assert.Single(_world.Client.PatchesSent);
        Assert.Equal("patch replicasets default/web", action);
        Assert.Equal("""{"metadata":{"resourceVersion":"1","finalizers":["example.com/keep"]}}""", patch);
    }

    [Fact]
    public async Task Orphan_removes_the_owner_reference_from_dependents_then_the_finalizer()
    {
        var owner = Deleting(WorkloadObjects.ReplicaSet("web", 1), Finalizers.Orphan);
        _world.Seed(owner, WorkloadObjects.Pod("p1", owner: owner));

        await _gc.ReconcileAsync("replicasets|default/web", default);

        Assert.Equal(["patch pods default/p1", "patch replicasets default/web"], _world.Client.PatchesSent.Select(p => p.Action));
        Assert.Contains("\"ownerReferences\":null", _world.Client.PatchesSent[0].Patch, StringComparison.Ordinal);
        Assert.Contains("\"finalizers\":null", _world.Client.PatchesSent[1].Patch, StringComparison.Ordinal);
        Assert.Empty(_world.Client.Deletes);
    }

    [Fact]
    public async Task Objects_without_owners_are_left_alone()
    {
        _world.Seed(Map("free"));

        await _gc.ReconcileAsync("configmaps|default/free", default);

        Assert.Empty(_world.Client.Actions);
    }

    [Fact]
    public async Task A_dependent_of_an_owner_deleting_in_the_foreground_that_has_dependents_itself_is_deleted_in_the_foreground()
    {
        var deployment = Deleting(WorkloadObjects.Deployment("web", 1), Finalizers.ForegroundDeletion);
        var rs = WorkloadObjects.ReplicaSet("web-1", 1) with { Metadata = WorkloadObjects.ReplicaSet("web-1", 1).Metadata with { OwnerReferences = [Owners.ControllerRef(deployment)] } };
        _world.Seed(deployment, rs, WorkloadObjects.Pod("p1", owner: rs));

        await _gc.ReconcileAsync("replicasets|default/web-1", default);

        var (action, options) = Assert.Single(_world.Client.Deletes);
        Assert.Equal(("delete replicasets default/web-1", PropagationPolicy.Foreground), (action, options!.PropagationPolicy));
    }
}
