using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

/// <summary>Server-side apply's field sets, ownership, removal of dropped fields, conflicts and force, on JSON alone.</summary>
public sealed class ServerSideApplyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(1);

    private static JsonObject Deployment(int replicas, string image = "busybox:1", string extraLabel = "", string sidecar = "") =>
        (JsonObject)JsonNode.Parse(
            ("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'" + extraLabel + "}},"
            + "'spec':{'replicas':" + replicas + ",'selector':{'matchLabels':{'app':'web'}},"
            + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
            + "{'name':'main','image':'" + image + "','ports':[{'containerPort':80}]}" + sidecar + "]}}}}").Replace('\'', '"'))!;

    private static List<OwnedFields> Owners(JsonObject obj) => ManagedFields.Read(ManagedFields.FromJson(obj["metadata"]?["managedFields"]));

    private static FieldSet Fields(JsonObject obj, string manager) => Owners(obj).Single(o => o.Manager == manager).Fields;

    private static IReadOnlyList<string> Path(string dotted) => dotted.Split('/');

    [Fact]
    public void The_applied_fields_are_written_in_FieldsV1_form()
    {
        var applied = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var entry = Owners(applied).Single().Entry;
        Assert.Equal(("a", "Apply", "apps/v1", "FieldsV1", T0), (entry.Manager, entry.Operation, entry.ApiVersion, entry.FieldsType, entry.Time));
        Assert.Equal(
            """{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"main\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}""",
            entry.FieldsV1!.Json);
    }

    [Fact]
    public void Sets_are_owned_by_value_and_paths_print_as_Kubernetes_prints_them()
    {
        var fields = FieldWalk.FieldsOf((JsonObject)JsonNode.Parse("""{"metadata":{"finalizers":["a/b"]},"spec":{"args":["x"]}}""")!);

        Assert.Equal("""{"f:metadata":{"f:finalizers":{"v:\"a/b\"":{}}},"f:spec":{"f:args":{}}}""", fields.ToJson().ToJsonString(KubeSerializer.Options));
        Assert.Equal(
            [".metadata.finalizers[=\"a/b\"]", ".spec.args"],
            fields.Paths().Select(FieldSet.Format));
        Assert.Equal(".spec.template.spec.containers[name=\"main\"].ports[containerPort=80,protocol=\"TCP\"]",
            FieldSet.Format(Path("f:spec/f:template/f:spec/f:containers/k:{\"name\":\"main\"}/f:ports/k:{\"containerPort\":80,\"protocol\":\"TCP\"}")));
        Assert.True(FieldSet.FromJson(fields.ToJson()).SameAs(fields));
    }

    [Fact]
    public void Applying_the_same_configuration_again_changes_nothing()
    {
        var first = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var second = ServerSideApply.Apply(first, Deployment(2), "a", force: false, "apps/v1", T1);

        Assert.True(JsonNode.DeepEquals(first, second), second.ToJsonString());
    }

    [Fact]
    public void Another_manager_changing_an_owned_value_conflicts_with_the_owner_named()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(live, Deployment(3), "b", force: false, "apps/v1", T1));

        Assert.Equal(409, ex.Status.Code);
        Assert.Equal("Conflict", ex.Status.Reason);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"a\" using apps/v1: .spec.replicas", ex.Status.Message);
        var cause = Assert.Single(ex.Status.Details!.Causes!);
        Assert.Equal(("FieldManagerConflict", "conflict with \"a\" using apps/v1", ".spec.replicas"), (cause.Reason, cause.Message, cause.Field));
    }

    [Fact]
    public void Several_conflicts_are_listed_by_manager()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(live, Deployment(3, image: "busybox:2"), "b", force: false, "apps/v1", T1));

        Assert.Equal(
            "Apply failed with 2 conflicts: conflicts with \"a\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"main\"].image",
            ex.Status.Message);
    }

    [Fact]
    public void The_same_value_applied_by_two_managers_is_owned_by_both()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var shared = ServerSideApply.Apply(live, Deployment(2), "b", force: false, "apps/v1", T1);

        Assert.True(Fields(shared, "a").Contains(Path("f:spec/f:replicas")));
        Assert.True(Fields(shared, "b").Contains(Path("f:spec/f:replicas")));
    }

    [Fact]
    public void Force_takes_the_conflicting_fields_from_their_owner()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);

        var forced = ServerSideApply.Apply(live, Deployment(3), "b", force: true, "apps/v1", T1);

        Assert.Equal(3, forced["spec"]!["replicas"]!.GetValue<int>());
        Assert.False(Fields(forced, "a").Contains(Path("f:spec/f:replicas")));
        Assert.True(Fields(forced, "a").Contains(Path("f:spec/f:selector")));
        Assert.True(Fields(forced, "b").Contains(Path("f:spec/f:replicas")));
    }

    [Fact]
    public void Fields_dropped_from_the_configuration_are_removed_unless_another_manager_owns_them()
    {
        var sidecar = """,{"name":"side","image":"busybox:1"}""";
        var live = ServerSideApply.Apply(null, Deployment(2, extraLabel: ""","tier":"x","team":"y" """, sidecar: sidecar), "a", force: false, "apps/v1", T0);
        live = ServerSideApply.Apply(live, (JsonObject)JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"team":"y"}}}""")!,
            "b", force: false, "apps/v1", T0);

        var after = ServerSideApply.Apply(live, Deployment(2), "a", force: false, "apps/v1", T1);

        var labels = after["metadata"]!["labels"]!.AsObject();
        Assert.False(labels.ContainsKey("tier"));
        Assert.Equal("y", labels["team"]!.GetValue<string>());
        var containers = after["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["main"], containers.Select(c => c!["name"]!.GetValue<string>()));
        Assert.False(Fields(after, "a").HasAnyAtOrBelow(Path("f:metadata/f:labels/f:tier")));
    }

    [Fact]
    public void A_map_or_list_emptied_by_the_removal_is_removed_itself()
    {
        var config = Deployment(2);
        config["metadata"]!["annotations"] = new JsonObject { ["note"] = "x" };
        var live = ServerSideApply.Apply(null, config, "a", force: false, "apps/v1", T0);

        var after = ServerSideApply.Apply(live, Deployment(2), "a", force: false, "apps/v1", T1);

        Assert.False(after["metadata"]!.AsObject().ContainsKey("annotations"), after["metadata"]!.ToJsonString());
    }

    [Fact]
    public void An_update_takes_ownership_of_what_it_changed_so_a_later_apply_conflicts_with_it()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "a", force: false, "apps/v1", T0);
        var scaled = live.DeepClone().AsObject();
        scaled["spec"]!["replicas"] = 5;
        var (changed, removed) = FieldWalk.Compare(live, scaled);
        var owners = ManagedFields.RecordUpdate(Owners(live), ManagedFields.Strip(changed), ManagedFields.Strip(removed), "kubectl-scale", "apps/v1", T1);
        scaled["metadata"]!["managedFields"] = ManagedFields.ToJson(ManagedFields.Write(owners));

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(scaled, Deployment(2), "a", force: false, "apps/v1", T1));

        var scale = Owners(scaled).Single(o => o.Manager == "kubectl-scale");
        Assert.Equal("Update", scale.Entry.Operation);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", scale.Entry.FieldsV1!.Json);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas", ex.Status.Message);
    }

    [Fact]
    public void An_applier_conflicts_with_an_Update_entry_of_its_own_name()
    {
        var live = ServerSideApply.Apply(null, Deployment(2), "kubectl", force: false, "apps/v1", T0);
        var changed = new FieldSet();
        changed.Insert(Path("f:spec/f:replicas"));
        var owners = ManagedFields.RecordUpdate(Owners(live), changed, new FieldSet(), "kubectl", "apps/v1", T1);
        live["metadata"]!["managedFields"] = ManagedFields.ToJson(ManagedFields.Write(owners));
        live["spec"]!["replicas"] = 4;

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(live, Deployment(2), "kubectl", force: false, "apps/v1", T1));

        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas", ex.Status.Message);
    }

    [Fact]
    public void An_object_without_managedFields_is_owned_before_the_first_apply()
    {
        var created = Deployment(2);

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(created, Deployment(2, image: "busybox:2"), "a", force: false, "apps/v1", T0));
        var same = ServerSideApply.Apply(created, Deployment(2), "a", force: false, "apps/v1", T0);

        Assert.Equal("Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.template.spec.containers[name=\"main\"].image",
            ex.Status.Message);
        Assert.Equal(["before-first-apply", "a"], Owners(same).Select(o => o.Manager));
    }

    [Fact]
    public void Untracked_metadata_and_status_are_owned_by_nobody_and_managedFields_may_not_be_applied()
    {
        var config = Deployment(2);
        config["metadata"]!["resourceVersion"] = "7";
        config["status"] = new JsonObject { ["replicas"] = 1 };

        var fields = Fields(ServerSideApply.Apply(null, config, "a", force: false, "apps/v1", T0), "a");
        config["metadata"]!["managedFields"] = new JsonArray();

        Assert.False(fields.HasAnyAtOrBelow(Path("f:status")));
        Assert.False(fields.HasAnyAtOrBelow(Path("f:metadata/f:name")));
        Assert.False(fields.HasAnyAtOrBelow(Path("f:metadata/f:resourceVersion")));
        Assert.Equal(400, Assert.Throws<ApiException>(() => ServerSideApply.Apply(null, config, "a", force: false, "apps/v1", T0)).Status.Code);
    }

    [Fact]
    public void A_keyed_list_item_without_its_key_is_refused_with_its_path()
    {
        var config = (JsonObject)JsonNode.Parse("""{"spec":{"containers":[{"image":"x"}]}}""")!;

        var ex = Assert.Throws<ApiException>(() => ServerSideApply.Apply(null, config, "a", force: false, "v1", T0));

        Assert.Equal(".spec.containers: element 0: associative list with keys has an element that omits key field \"name\"", ex.Status.Message);
    }
}
