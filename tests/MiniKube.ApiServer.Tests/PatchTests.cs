using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

public sealed class StrategicMergePatchTests
{
    private static string Apply(string original, string patch) =>
        StrategicMergePatch.Apply(JsonNode.Parse(original), JsonNode.Parse(patch))!.ToJsonString();

    [Fact]
    public void Containers_merge_by_name_and_env_by_name()
    {
        var result = Apply(
            """{"spec":{"containers":[{"name":"a","image":"x","env":[{"name":"A","value":"1"}]},{"name":"b","image":"y"}]}}""",
            """{"spec":{"containers":[{"name":"a","image":"x2","env":[{"name":"B","value":"2"}]}]}}""");

        Assert.Equal("""{"spec":{"containers":[{"name":"a","image":"x2","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"b","image":"y"}]}}""", result);
    }

    [Fact]
    public void Ports_merge_by_containerPort_and_mounts_by_mountPath()
    {
        var result = Apply(
            """{"c":{"ports":[{"containerPort":80,"name":"http"}],"volumeMounts":[{"mountPath":"/a","name":"v1"}]}}""",
            """{"c":{"ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}],"volumeMounts":[{"mountPath":"/a","readOnly":true}]}}""");

        Assert.Equal("""{"c":{"ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}],"volumeMounts":[{"mountPath":"/a","name":"v1","readOnly":true}]}}""", result);
    }

    [Fact]
    public void Null_deletes_and_patch_delete_removes_a_list_element()
    {
        var result = Apply(
            """{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"volumes":[{"name":"v1"},{"name":"v2"}]}}""",
            """{"metadata":{"labels":{"a":null}},"spec":{"volumes":[{"name":"v1","$patch":"delete"}]}}""");

        Assert.Equal("""{"metadata":{"labels":{"b":"2"}},"spec":{"volumes":[{"name":"v2"}]}}""", result);
    }

    [Fact]
    public void Patch_replace_replaces_a_list_and_an_object()
    {
        var list = Apply("""{"env":[{"name":"A"},{"name":"B"}]}""", """{"env":[{"name":"C"},{"$patch":"replace"}]}""");
        var obj = Apply("""{"s":{"a":1,"b":2}}""", """{"s":{"$patch":"replace","c":3}}""");

        Assert.Equal("""{"env":[{"name":"C"}]}""", list);
        Assert.Equal("""{"s":{"c":3}}""", obj);
    }

    [Fact]
    public void Directives_for_order_primitive_lists_and_retained_keys()
    {
        var ordered = Apply("""{"env":[{"name":"A"},{"name":"B"}]}""", """{"$setElementOrder/env":[{"name":"B"},{"name":"A"}]}""");
        var primitive = Apply("""{"finalizers":["a","b","c"]}""", """{"$deleteFromPrimitiveList/finalizers":["b"]}""");
        var union = Apply("""{"finalizers":["a"]}""", """{"finalizers":["b","a"]}""");
        var retained = Apply("""{"s":{"type":"X","a":1,"b":2}}""", """{"s":{"$retainKeys":["type","b"],"b":3}}""");

        Assert.Equal("""{"env":[{"name":"B"},{"name":"A"}]}""", ordered);
        Assert.Equal("""{"finalizers":["a","c"]}""", primitive);
        Assert.Equal("""{"finalizers":["a","b"]}""", union);
        Assert.Equal("""{"s":{"type":"X","b":3}}""", retained);
    }

    [Fact]
    public void Lists_without_a_merge_key_are_replaced()
    {
        Assert.Equal("""{"command":["b"]}""", Apply("""{"command":["a","x"]}""", """{"command":["b"]}"""));
    }
}

public sealed class JsonPatchTests
{
    private static string Apply(string document, string operations) =>
        JsonPatch.Apply(JsonNode.Parse(document), (JsonArray)JsonNode.Parse(operations)!)!.ToJsonString();

    [Fact]
    public void Add_remove_replace_move_copy_and_test()
    {
        var result = Apply(
            """{"a":{"b":1},"l":[1,2],"x/y":0}""",
            """
            [{"op":"add","path":"/a/c","value":2},{"op":"add","path":"/l/-","value":3},{"op":"add","path":"/l/0","value":0},
             {"op":"remove","path":"/x~1y"},{"op":"replace","path":"/a/b","value":10},{"op":"move","from":"/a/c","path":"/m"},
             {"op":"copy","from":"/m","path":"/n"},{"op":"test","path":"/n","value":2}]
            """);

        Assert.Equal("""{"a":{"b":10},"l":[0,1,2,3],"m":2,"n":2}""", result);
    }

    [Fact]
    public void A_failed_test_or_missing_path_is_a_bad_request_naming_the_operation()
    {
        var test = Assert.Throws<ApiException>(() => Apply("""{"a":1}""", """[{"op":"test","path":"/a","value":2}]"""));
        var missing = Assert.Throws<ApiException>(() => Apply("""{"a":1}""", """[{"op":"add","path":"/a/b","value":1},{"op":"remove","path":"/zz"}]"""));

        Assert.Equal(400, test.Code);
        Assert.Contains("operation 0", test.Message, StringComparison.Ordinal);
        Assert.Contains("operation 0", missing.Message, StringComparison.Ordinal);
    }
}
