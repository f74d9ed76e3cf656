using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

public sealed class ObjectLifecycleTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    [Fact]
    public async Task Create_sets_server_metadata_applies_defaults_and_stores_under_the_registry_key()
    {
        var created = await Client.CreateAsync(Pod("create-defaults"));

        Assert.Equal("default", created.Metadata.Namespace);
        Assert.True(Guid.TryParse(created.Metadata.Uid, out _));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.True(long.Parse(created.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("Always", created.Spec!.RestartPolicy);
        Assert.Equal(30, created.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("Pending", created.Status!.Phase);

        var fetched = await Client.GetAsync<Pod>("create-defaults");
        Assert.Equal(created.Metadata.Uid, fetched.Metadata.Uid);
        Assert.Equal(created.Metadata.ResourceVersion, fetched.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Default_toleration_seconds_come_from_the_api_server_flags_and_a_pods_own_toleration_wins()
    {
        await using var server = await TestApiServer.StartAsync(configure: o =>
        {
            o.DefaultNotReadyTolerationSeconds = 7;
            o.DefaultUnreachableTolerationSeconds = 3;
        });
        var created = await server.Client.CreateAsync(Pod("short-tolerations"));
        Assert.Equal(
            [
                new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 7 },
                new Toleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 3 },
            ],
            created.Spec!.Tolerations!);

        var own = new Toleration { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 60 };
        var pod = Pod("own-toleration");
        var kept = await server.Client.CreateAsync(pod with { Spec = pod.Spec! with { Tolerations = [own] } });
        Assert.Equal([own, new Toleration { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute", TolerationSeconds = 7 }],
            kept.Spec!.Tolerations!);

        // Without the flags: Kubernetes' five minutes.
        Assert.All((await Client.CreateAsync(Pod("default-tolerations"))).Spec!.Tolerations!, t => Assert.Equal(300, t.TolerationSeconds));
    }

    [Fact]
    public async Task Creating_an_existing_name_is_AlreadyExists()
    {
        await Client.CreateAsync(ConfigMap("dup"));

        var error = await Assert.ThrowsAsync<ApiException>(() => Client.CreateAsync(ConfigMap("dup", value: "other")));

        Assert.True(error.IsAlreadyExists);
        Assert.Equal(409, error.Code);
        Assert.Equal("configmaps \"dup\" already exists", error.Status.Message);
        Assert.Equal("v", (await Client.GetAsync<ConfigMap>("dup")).Data!["key"]);
    }

    [Fact]
    public async Task An_invalid_object_is_rejected_with_path_qualified_causes_and_nothing_is_written()
    {
        var pod = Pod("no-image") with { Spec = new PodSpec { Containers = [new Container { Name = "main" }] } };

        var error = await Assert.ThrowsAsync<ApiException>(() => Client.CreateAsync(pod));

        Assert.True(error.IsInvalid);
        Assert.Equal(422, error.Code);
        Assert.Contains("Pod \"no-image\" is invalid: spec.containers[0].image: Required value", error.Status.Message, StringComparison.Ordinal);
        Assert.Contains(error.Status.Details!.Causes!, c => c.Field == "spec.containers[0].image" && c.Reason == "FieldValueRequired");
        var missing = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<Pod>("no-image"));
        Assert.True(missing.IsNotFound);
    }

    [Fact]
    public async Task Objects_need_an_existing_namespace()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Client.CreateAsync(ConfigMap("x", ns: "does-not-exist")));

        Assert.True(error.IsNotFound);
        Assert.Equal("namespaces \"does-not-exist\" not found", error.Status.Message);

        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "team-a" } });
        var created = await Client.CreateAsync(ConfigMap("x", ns: "team-a"));
        Assert.Equal("team-a", created.Metadata.Namespace);
    }

    [Fact]
    public async Task System_namespaces_exist_at_start()
    {
        var namespaces = await Client.ListAsync<Namespace>();

        var names = namespaces.Items.Select(n => n.Metadata.Name).ToHashSet();
        Assert.Superset(new HashSet<string?> { "default", "kube-system", "kube-public", "kube-node-lease" }, names);
        Assert.All(namespaces.Items, n => Assert.Equal("Active", n.Status?.Phase));
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_Conflict_and_writes_nothing()
    {
        var created = await Client.CreateAsync(ConfigMap("stale"));
        var first = await Client.UpdateAsync(created with { Data = new Dictionary<string, string> { ["key"] = "first" } });

        var error = await Assert.ThrowsAsync<ApiException>(() => Client.UpdateAsync(created with { Data = new Dictionary<string, string> { ["key"] = "second" } }));

        Assert.True(error.IsConflict);
        Assert.Equal(409, error.Code);
        Assert.Contains("the object has been modified", error.Status.Message, StringComparison.Ordinal);
        var stored = await Client.GetAsync<ConfigMap>("stale");
        Assert.Equal("first", stored.Data!["key"]);
        Assert.Equal(first.Metadata.ResourceVersion, stored.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Update_ignores_status_and_UpdateStatus_ignores_spec_and_generation_follows_spec_changes()
    {
        var node = await Client.CreateAsync(Node("sep-node"));
        Assert.Equal(1, node.Metadata.Generation);

        // A spec change through update: generation bumps, the status sent along is ignored.
        var updated = await Client.UpdateAsync(node with
        {
            Spec = new NodeSpec { Unschedulable = true },
            Status = node.Status! with { Conditions = [new NodeCondition { Type = "Ready", Status = "False" }] },
        });
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.True(updated.Spec!.Unschedulable);
        Assert.Equal("True", updated.Status!.Conditions![0].Status);

        // A status change through updateStatus: spec changes sent along are ignored, generation stays.
        var status = await Client.UpdateStatusAsync(updated with
        {
            Spec = new NodeSpec { Unschedulable = false },
            Status = updated.Status with { Conditions = [new NodeCondition { Type = "Ready", Status = "False" }] },
        });
        Assert.Equal(2, status.Metadata.Generation);
        Assert.True(status.Spec!.Unschedulable);
        Assert.Equal("False", status.Status!.Conditions![0].Status);

        // A metadata-only change does not bump the generation.
        var labelled = await Client.UpdateAsync(status with { Metadata = status.Metadata with { Labels = Labels(("zone", "a")) } });
        Assert.Equal(2, labelled.Metadata.Generation);
    }

    [Fact]
    public async Task Clients_cannot_create_status_for_workloads_but_nodes_keep_theirs()
    {
        var node = await Client.CreateAsync(Node("status-node"));
        Assert.Equal("110", node.Status!.Capacity!["pods"].ToString());

        var pod = await Client.CreateAsync(Pod("status-pod") with { Status = new PodStatus { Phase = "Running", PodIP = "10.0.0.9" } });
        Assert.Equal("Pending", pod.Status!.Phase);
        Assert.Null(pod.Status.PodIP);
    }

    [Fact]
    public async Task Merge_patch_changes_only_what_it_names()
    {
        await Client.CreateAsync(Pod("patched", labels: Labels(("app", "web"), ("tier", "front"))));

        var patched = await Client.PatchAsync<Pod>("patched", null, """{"metadata":{"labels":{"tier":null,"track":"canary"}}}""");

        Assert.Equal(Labels(("app", "web"), ("track", "canary")), patched.Metadata.Labels);
        Assert.Equal("main", patched.Spec!.Containers[0].Name);
    }

    [Fact]
    public async Task Status_patch_changes_status_only()
    {
        await Client.CreateAsync(Pod("status-patch"));

        var patched = await Client.PatchAsync<Pod>("status-patch", null, """{"status":{"phase":"Running"},"spec":{"nodeName":"ignored"}}""", status: true);

        Assert.Equal("Running", patched.Status!.Phase);
        Assert.Null(patched.Spec!.NodeName);
    }

    [Fact]
    public async Task GenerateName_gives_unique_names()
    {
        var a = await Client.CreateAsync(ConfigMap("") with { Metadata = new ObjectMeta { GenerateName = "gen-" } });
        var b = await Client.CreateAsync(ConfigMap("") with { Metadata = new ObjectMeta { GenerateName = "gen-" } });

        Assert.StartsWith("gen-", a.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(9, a.Metadata.Name!.Length);
        Assert.NotEqual(a.Metadata.Name, b.Metadata.Name);
    }

    [Fact]
    public async Task Cluster_scoped_objects_ignore_namespaces()
    {
        var node = await Client.CreateAsync(Node("scoped-node"));
        Assert.Null(node.Metadata.Namespace);
        Assert.Equal("scoped-node", (await Client.GetAsync<Node>("scoped-node")).Metadata.Name);
    }

    [Fact]
    public async Task Binding_sets_the_node_once_and_marks_the_pod_scheduled()
    {
        var pod = await Client.CreateAsync(Pod("bind-me"));

        var bound = await Client.BindAsync("default", "bind-me", "node-1", pod.Metadata.Uid);

        Assert.Equal("node-1", bound.Spec!.NodeName);
        var scheduled = Assert.Single(bound.Status!.Conditions!, c => c.Type == "PodScheduled");
        Assert.Equal("True", scheduled.Status);
        var again = await Assert.ThrowsAsync<ApiException>(() => Client.BindAsync("default", "bind-me", "node-2"));
        Assert.True(again.IsConflict);
        Assert.Contains("already assigned to node \"node-1\"", again.Status.Message, StringComparison.Ordinal);
        Assert.Equal("node-1", (await Client.GetAsync<Pod>("bind-me")).Spec!.NodeName);
    }

    [Fact]
    public async Task Deleting_a_bound_pod_is_graceful_and_a_grace_zero_delete_finishes_it()
    {
        await Client.CreateAsync(Pod("graceful"));
        await Client.BindAsync("default", "graceful", "node-1");

        var marked = await Client.DeleteAsync<Pod>("graceful");

        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(30, marked.Metadata.DeletionGracePeriodSeconds);
        var stillThere = await Client.GetAsync<Pod>("graceful");
        Assert.NotNull(stillThere.Metadata.DeletionTimestamp);

        // What the kubelet does once the containers are gone.
        await Client.DeleteAsync<Pod>("graceful", options: new DeleteOptions { GracePeriodSeconds = 0 });
        var gone = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<Pod>("graceful"));
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task Deleting_an_unscheduled_pod_removes_it_at_once()
    {
        await Client.CreateAsync(Pod("unscheduled"));

        await Client.DeleteAsync<Pod>("unscheduled");

        var gone = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<Pod>("unscheduled"));
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_the_last_one_is_removed()
    {
        await Client.CreateAsync(ConfigMap("finalized") with
        {
            Metadata = new ObjectMeta { Name = "finalized", Finalizers = ["example.com/cleanup"] },
        });

        var marked = await Client.DeleteAsync<ConfigMap>("finalized");
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        var held = await Client.GetAsync<ConfigMap>("finalized");
        Assert.Equal(["example.com/cleanup"], held.Metadata.Finalizers!);

        await Client.UpdateAsync(held with { Metadata = held.Metadata with { Finalizers = [] } });

        var gone = await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<ConfigMap>("finalized"));
        Assert.True(gone.IsNotFound);
    }

    [Fact]
    public async Task Foreground_and_orphan_deletion_are_recorded_as_finalizers_and_owner_references_are_kept()
    {
        var owner = await Client.CreateAsync(ConfigMap("owner"));
        var dependent = await Client.CreateAsync(ConfigMap("dependent") with
        {
            Metadata = new ObjectMeta
            {
                Name = "dependent",
                OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, Controller = true }],
            },
        });
        Assert.Equal(owner.Metadata.Uid, dependent.Metadata.OwnerReferences![0].Uid);

        var foreground = await Client.DeleteAsync<ConfigMap>("owner", options: new DeleteOptions { PropagationPolicy = "Foreground" });
        Assert.Contains("foregroundDeletion", foreground.Metadata.Finalizers!);
        Assert.NotNull(foreground.Metadata.DeletionTimestamp);

        var orphan = await Client.DeleteAsync<ConfigMap>("dependent", options: new DeleteOptions { PropagationPolicy = "Orphan" });
        Assert.Contains("orphan", orphan.Metadata.Finalizers!);
    }

    [Fact]
    public async Task Delete_preconditions_are_checked()
    {
        var created = await Client.CreateAsync(ConfigMap("precondition"));

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            Client.DeleteAsync<ConfigMap>("precondition", options: new DeleteOptions { Preconditions = new Preconditions { Uid = Guid.NewGuid().ToString() } }));
        Assert.True(error.IsConflict);

        await Client.DeleteAsync<ConfigMap>("precondition", options: new DeleteOptions { Preconditions = new Preconditions { Uid = created.Metadata.Uid } });
        Assert.True((await Assert.ThrowsAsync<ApiException>(() => Client.GetAsync<ConfigMap>("precondition"))).IsNotFound);
    }

    [Fact]
    public async Task Deleting_a_missing_object_is_NotFound()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Client.DeleteAsync<Pod>("never-was"));

        Assert.True(error.IsNotFound);
        Assert.Equal("pods \"never-was\" not found", error.Status.Message);
    }

    [Fact]
    public async Task List_filters_by_namespace_label_and_field_selectors()
    {
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "list-ns" } });
        await Client.CreateAsync(Pod("l-web-1", "list-ns", Labels(("app", "web"), ("env", "prod"))));
        await Client.CreateAsync(Pod("l-web-2", "list-ns", Labels(("app", "web"), ("env", "dev"))));
        await Client.CreateAsync(Pod("l-db", "list-ns", Labels(("app", "db"))));
        await Client.BindAsync("list-ns", "l-web-2", "node-9");

        var web = await Client.ListAsync<Pod>("list-ns", "app=web");
        var notProd = await Client.ListAsync<Pod>("list-ns", "app in (web,db),env!=prod");
        var onNode = await Client.ListAsync<Pod>("list-ns", fieldSelector: "spec.nodeName=node-9");
        var unbound = await Client.ListAsync<Pod>("list-ns", fieldSelector: "spec.nodeName=");

        Assert.Equal(["l-web-1", "l-web-2"], web.Items.Select(p => p.Metadata.Name).Order());
        Assert.Equal(["l-db", "l-web-2"], notProd.Items.Select(p => p.Metadata.Name).Order());
        Assert.Equal(["l-web-2"], onNode.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["l-db", "l-web-1"], unbound.Items.Select(p => p.Metadata.Name).Order());
        Assert.False(string.IsNullOrEmpty(web.ResourceVersion));
    }

    [Fact]
    public async Task A_field_selector_on_an_unsupported_field_is_BadRequest()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Client.ListAsync<Pod>(fieldSelector: "spec.hostname=x"));

        Assert.Equal(400, error.Code);
        Assert.Equal("field label not supported: spec.hostname", error.Status.Message);
    }

    [Fact]
    public async Task A_bad_selector_is_BadRequest()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Client.ListAsync<Pod>(labelSelector: "app in (web"));

        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequest", error.Reason);
    }
}
