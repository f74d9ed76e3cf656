using MiniKube.Api;
using MiniKube.Controllers.ReplicaSets;
using MiniKube.Controllers.Tests.Support;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class ReplicaSetControllerTests : IAsyncLifetime
{
    private readonly UnitWorld _world = new();
    private ReplicaSetController _controller = null!;

    public Task InitializeAsync()
    {
        _controller = new ReplicaSetController(_world.Context);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _controller.Dispose();
        await _world.DisposeAsync();
    }

    [Fact]
    public async Task Creates_missing_pods_from_the_template_with_a_controller_reference()
    {
        var rs = WorkloadObjects.ReplicaSet("web", 3);
        _world.Seed(rs);

        await _controller.ReconcileAsync("default/web", default);

        Assert.Equal(3, _world.Client.ActionsStartingWith("create pods default/web-").Count());
        var pods = _world.Client.Written.OfType<Pod>().ToList();
        Assert.All(pods, p =>
        {
            Assert.Equal("web-", p.Metadata.GenerateName);
            Assert.Equal("web", p.Metadata.Labels!["app"]);
            var owner = Assert.Single(p.Metadata.OwnerReferences!);
            Assert.Equal(("ReplicaSet", "web", "uid-web", true, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
            Assert.Equal("busybox:1.0", p.Spec!.Containers[0].Image);
        });
        Assert.Equal(3, _world.Events.Lines.Count(l => l.StartsWith("Normal SuccessfulCreate: Created pod: web-", StringComparison.Ordinal)));
        Assert.Equal((3, 0), _controller.Expectations.Pending("default/web"));
    }

    [Fact]
    public async Task Does_not_create_again_while_its_creations_are_still_expected()
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 2));
        await _controller.ReconcileAsync("default/web", default);
        _world.Client.Actions.Clear();

        await _controller.ReconcileAsync("default/web", default);

        Assert.Empty(_world.Client.ActionsStartingWith("create"));
    }

    [Fact]
    public async Task Creates_again_once_the_expectations_expire()
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 2));
        await _controller.ReconcileAsync("default/web", default);
        _world.Client.Actions.Clear();
        _world.Time.Advance(TimeSpan.FromMinutes(6));

        await _controller.ReconcileAsync("default/web", default);

        Assert.Equal(2, _world.Client.ActionsStartingWith("create pods").Count());
    }

    [Fact]
    public async Task Slow_start_stops_at_the_first_failing_batch_and_reports_ReplicaFailure()
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 10));
        var calls = 0;
        _world.Client.Fail = action => action.StartsWith("create pods", StringComparison.Ordinal) && Interlocked.Increment(ref calls) == 4
            ? ApiException.Forbidden(null, "", "exceeded quota: pods")
            : null;

        await Assert.ThrowsAsync<ApiException>(() => _controller.ReconcileAsync("default/web", default));

        // Batches of 1, 2 and 4: the third batch fails, so the remaining 3 are never tried.
        Assert.Equal(7, _world.Client.ActionsStartingWith("create pods").Count());
        // The six that were created are still expected through the watch; the four never made are not.
        Assert.Equal((6, 0), _controller.Expectations.Pending("default/web"));
        Assert.Contains(_world.Events.Lines, l => l == "Warning FailedCreate: Error creating: exceeded quota: pods");
        var status = _world.Client.Written.OfType<ReplicaSet>().Last().Status!;
        var failure = Assert.Single(status.Conditions!);
        Assert.Equal(("ReplicaFailure", "True", "FailedCreate"), (failure.Type, failure.Status, failure.Reason));
    }

    private static ApiException TransportFailure(string detail) =>
        new(new Status { Outcome = "Failure", Code = 503, Reason = StatusReasons.ServiceUnavailable, Message = "cannot reach the API server" },
            new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, detail)));

    [Fact]
    public async Task A_create_whose_reply_was_lost_stays_expected_so_no_second_pod_is_made_for_it_when_it_is_not_sent_again()
    {
        _controller.Dispose();
        _controller = new ReplicaSetController(_world.Context, new ReplicaSetControllerOptions { LostReplySettleTimeout = TimeSpan.Zero });
        _world.Seed(WorkloadObjects.ReplicaSet("web", 10));
        var calls = 0;
        _world.Client.Fail = action => action.StartsWith("create pods", StringComparison.Ordinal) && Interlocked.Increment(ref calls) == 4
            ? TransportFailure("Error reading next message. IOException: The request was aborted.")
            : null;

        await Assert.ThrowsAsync<ApiException>(() => _controller.ReconcileAsync("default/web", default));

        Assert.Equal(7, _world.Client.ActionsStartingWith("create pods").Count());
        // Six created, one that may have been: all seven are awaited through the informer.
        Assert.Equal((7, 0), _controller.Expectations.Pending("default/web"));

        _world.Client.Fail = null;
        _world.Client.Actions.Clear();
        await _controller.ReconcileAsync("default/web", default);
        Assert.Empty(_world.Client.ActionsStartingWith("create"));
    }

    [Fact]
    public async Task A_create_whose_reply_was_lost_and_that_was_not_made_is_sent_again_under_the_same_name()
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 10));
        var calls = 0;
        _world.Client.Fail = action => action.StartsWith("create pods", StringComparison.Ordinal) && Interlocked.Increment(ref calls) == 4
            ? TransportFailure("Error reading next message. IOException: The request was aborted.")
            : null;

        await _controller.ReconcileAsync("default/web", default);

        var creates = _world.Client.ActionsStartingWith("create pods").ToList();
        Assert.Equal(11, creates.Count);
        // The repeated one has the name of a create that failed; the server makes at most one pod of a name.
        Assert.Equal(10, creates.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(10, _world.Client.Written.OfType<Pod>().Count());
        Assert.Equal((10, 0), _controller.Expectations.Pending("default/web"));
    }

    [Theory]
    [InlineData("lost reply")]
    [InlineData("storage unavailable")]
    public async Task A_create_that_was_made_although_it_failed_is_settled_by_AlreadyExists_and_makes_no_second_pod(string failure)
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 10));
        var calls = 0;
        _world.Client.FailAfterApplying = action => Interlocked.Increment(ref calls) == 4
            ? failure == "lost reply"
                ? TransportFailure("Error reading next message. IOException: The request was aborted.")
                // The API server's own answer when its etcd call broke: etcd may have committed the write first.
                : ApiException.Unavailable("storage unavailable: etcd request failed")
            : null;

        await _controller.ReconcileAsync("default/web", default);

        Assert.Equal(11, _world.Client.ActionsStartingWith("create pods").Count());
        Assert.Equal(10, _world.Client.Written.OfType<Pod>().Count());
        Assert.Equal(10, (await _world.Client.ListAsync(ResourceRegistry.For<Pod>(), "default", default)).Count);
        Assert.Equal((10, 0), _controller.Expectations.Pending("default/web"));
        Assert.Equal(10, _world.Events.Lines.Count(l => l.StartsWith("Normal SuccessfulCreate: Created pod: web-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_pod_of_another_owner_holding_the_name_makes_the_lost_create_a_sure_failure()
    {
        var rs = WorkloadObjects.ReplicaSet("web", 1);
        _world.Seed(rs);
        _world.Client.FailAfterApplying = action =>
        {
            // Someone else's pod took the name before the reply came back.
            var name = action["create pods default/".Length..];
            _world.Client.Seed(WorkloadObjects.Pod(name, owner: WorkloadObjects.ReplicaSet("other", 1)));
            _world.Client.FailAfterApplying = null;
            return TransportFailure("Error reading next message. IOException: The request was aborted.");
        };

        var error = await Assert.ThrowsAsync<ApiException>(() => _controller.ReconcileAsync("default/web", default));

        Assert.True(error.IsAlreadyExists, error.Message);
        Assert.Equal((0, 0), _controller.Expectations.Pending("default/web"));
    }

    [Fact]
    public async Task A_refused_connection_is_a_create_that_surely_did_not_happen()
    {
        _world.Seed(WorkloadObjects.ReplicaSet("web", 10));
        var calls = 0;
        _world.Client.Fail = action => action.StartsWith("create pods", StringComparison.Ordinal) && Interlocked.Increment(ref calls) == 4
            ? TransportFailure("Error starting gRPC call. HttpRequestException: Connection refused (127.0.0.1:1) SocketException: Connection refused")
            : null;

        await Assert.ThrowsAsync<ApiException>(() => _controller.ReconcileAsync("default/web", default));

        Assert.Equal((6, 0), _controller.Expectations.Pending("default/web"));
    }

    [Fact]
    public async Task Deletes_surplus_pods_in_kubernetes_preference_order()
    {
        var rs = WorkloadObjects.ReplicaSet("web", 2);
        var start = UnitWorld.Start;
        _world.Seed(rs,
            WorkloadObjects.Pod("running-old", owner: rs, node: "n1", created: start.AddHours(-3), readySince: start.AddHours(-3)),
            WorkloadObjects.Pod("unscheduled", owner: rs, phase: PodPhase.Pending, ready: false),
            WorkloadObjects.Pod("pending", owner: rs, node: "n1", phase: PodPhase.Pending, ready: false),
            WorkloadObjects.Pod("not-ready", owner: rs, node: "n2", ready: false),
            WorkloadObjects.Pod("running-new", owner: rs, node: "n3", created: start.AddMinutes(-1), readySince: start.AddMinutes(-1)));

        await _controller.ReconcileAsync("default/web", default);

        // The two ready, running pods stay; deletions run concurrently, so compare as sets.
        Assert.Equal(["delete pods default/not-ready", "delete pods default/pending", "delete pods default/unscheduled"],
            _world.Client.ActionsStartingWith("delete").Order(StringComparer.Ordinal));
        Assert.Equal(3, _world.Events.Lines.Count(l => l.StartsWith("Normal SuccessfulDelete: Deleted pod: ", StringComparison.Ordinal)));
        Assert.Equal((0, 3), _controller.Expectations.Pending("default/web"));
    }

    [Fact]
    public async Task Adopts_matching_orphans_and_releases_owned_pods_that_stop_matching()
    {
        var rs = WorkloadObjects.ReplicaSet("web", 2);
        _world.Seed(rs,
            WorkloadObjects.Pod("orphan", node: "n1"),
            WorkloadObjects.Pod("strayed", owner: rs, node: "n1", labels: new Dictionary<string, string> { ["app"] = "other" }),
            WorkloadObjects.Pod("foreign", owner: WorkloadObjects.ReplicaSet("other", 1), node: "n1"));

        await _controller.ReconcileAsync("default/web", default);

        var adopt = Assert.Single(_world.Client.PatchesSent, p => p.Action == "patch pods default/orphan").Patch;
        Assert.Contains("\"ownerReferences\":[{", adopt, StringComparison.Ordinal);
        Assert.Contains("\"uid\":\"uid-web\"", adopt, StringComparison.Ordinal);
        Assert.Contains("\"resourceVersion\":\"1\"", adopt, StringComparison.Ordinal);
        var release = Assert.Single(_world.Client.PatchesSent, p => p.Action == "patch pods default/strayed").Patch;
        Assert.Contains("\"ownerReferences\":null", release, StringComparison.Ordinal);
        Assert.DoesNotContain(_world.Client.Actions, a => a.Contains("foreign", StringComparison.Ordinal));
        // The adopted orphan counts: one more pod is created for two replicas.
        Assert.Single(_world.Client.ActionsStartingWith("create pods"));
    }

    [Fact]
    public async Task Reports_ready_and_available_replicas_and_requeues_for_min_ready_seconds()
    {
        var rs = WorkloadObjects.ReplicaSet("web", 2, minReadySeconds: 30);
        var now = UnitWorld.Start;
        _world.Seed(rs,
            WorkloadObjects.Pod("long-ready", owner: rs, node: "n1", readySince: now.AddMinutes(-5)),
            WorkloadObjects.Pod("just-ready", owner: rs, node: "n1", readySince: now.AddSeconds(-10)));

        var result = await _controller.ReconcileAsync("default/web", default);

        var status = Assert.Single(_world.Client.Written.OfType<ReplicaSet>()).Status!;
        Assert.Equal((2, 2, 2, 1, 1L), (status.Replicas, status.FullyLabeledReplicas, status.ReadyReplicas, status.AvailableReplicas, status.ObservedGeneration));
        Assert.Equal(TimeSpan.FromSeconds(30), result.RequeueAfter);
        Assert.Equal("update-status replicasets default/web", Assert.Single(_world.Client.Actions));
    }

    [Fact]
    public async Task A_deleted_replica_set_is_forgotten()
    {
        var result = await _controller.ReconcileAsync("default/missing", default);

        Assert.Null(result.RequeueAfter);
        Assert.Empty(_world.Client.Actions);
    }
}
