using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Cli.Commands;
using MiniKube.Cli.Manifests;

namespace MiniKube.Cli.Tests;

public sealed class ManifestReaderTests
{
    [Fact]
    public void Splits_yaml_streams_into_non_empty_documents()
    {
        var documents = ManifestReader.SplitDocuments("---\n# only a comment\n---\na: 1\n--- \nb: 2\n...\n---\n\n");
        Assert.Equal(["a: 1\n", "b: 2\n"], documents);
    }

    [Fact]
    public void A_json_text_is_one_document() =>
        Assert.Single(ManifestReader.SplitDocuments("{\"a\": \"---\"}\n---\n"));

    [Fact]
    public void Decoding_reports_every_error_with_its_file_and_document()
    {
        var set = ManifestReader.Decode(
        [
            new ManifestSource("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labelz: {}\n"),
            new ManifestSource("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: 5\n"),
        ]);
        Assert.False(set.Ok);
        Assert.Equal(
            [
                "error validating \"a.yaml\" (document 2): metadata.labelz: unknown field",
                "error validating \"b.yaml\": data: invalid type: expected object, got number",
            ],
            set.Errors.SelectMany(e => e.Lines()));
    }

    [Fact]
    public void Directories_contribute_their_manifest_files_in_name_order()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        File.WriteAllText(Path.Combine(dir, "b.yaml"), "b");
        File.WriteAllText(Path.Combine(dir, "a.yml"), "a");
        File.WriteAllText(Path.Combine(dir, "c.json"), "c");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "x");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "sub", "d.yaml"), "d");
        var reader = new ManifestReader(new StringReader("stdin text"));

        Assert.Equal(["a", "b", "c"], reader.ReadSources([dir], recursive: false).Select(s => s.Text));
        Assert.Equal(["a", "b", "c", "d"], reader.ReadSources([dir], recursive: true).Select(s => s.Text));
        var stdin = Assert.Single(reader.ReadSources(["-"], recursive: false));
        Assert.Equal(("STDIN", "stdin text"), (stdin.Name, stdin.Text));
        var missing = Assert.Throws<CliException>(() => reader.ReadSources([Path.Combine(dir, "nope.yaml")], false));
        Assert.Equal($"the path \"{Path.Combine(dir, "nope.yaml")}\" does not exist", missing.Message);
    }
}

public sealed class ResourceArgsTests
{
    [Fact]
    public void Type_and_names_comma_lists_and_type_slash_name()
    {
        var byType = Assert.Single(ResourceArgs.Parse(["po", "a", "b"]));
        Assert.Equal("pods", byType.Resource.Plural);
        Assert.Equal(["a", "b"], byType.Names);

        Assert.Equal(["pods", "services"], ResourceArgs.Parse(["po,svc"]).Select(r => r.Resource.Plural));

        var slashed = ResourceArgs.Parse(["pod/a", "deploy/b", "pods/c"]);
        Assert.Equal(["pods:a,c", "deployments:b"], slashed.Select(r => r.Resource.Plural + ":" + string.Join(",", r.Names)));
    }

    [Fact]
    public void Unknown_types_and_mixed_forms_are_refused()
    {
        Assert.Equal("the server doesn't have a resource type \"foo\"", Assert.Throws<CliException>(() => ResourceArgs.Parse(["foo"])).Message);
        Assert.StartsWith("there is no need to specify a resource type", Assert.Throws<CliException>(() => ResourceArgs.Parse(["pods", "pod/a"])).Message);
    }

    [Fact]
    public void Output_names_use_kind_and_group()
    {
        Assert.Equal("pod/web", ResourceNames.Reference(ResourceNames.Resolve("po"), "web"));
        Assert.Equal("deployment.apps/web", ResourceNames.Reference(ResourceNames.Resolve("deploy"), "web"));
        Assert.Equal("horizontalpodautoscaler.autoscaling/x", ResourceNames.Reference(ResourceNames.Resolve("hpa"), "x"));
        Assert.Equal("lease.coordination.k8s.io/x", ResourceNames.Reference(ResourceNames.Resolve("leases"), "x"));
    }
}

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("30", 30)]
    [InlineData("5s", 5)]
    [InlineData("1m30s", 90)]
    [InlineData("2h", 7200)]
    [InlineData("500ms", 0.5)]
    public void Parses_go_durations(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("s")]
    public void Refuses_other_text(string text) => Assert.False(DurationText.TryParse(text, out _));
}

public sealed class ErrorFormatterTests
{
    [Fact]
    public void Invalid_with_one_cause_is_one_line_and_with_several_a_bullet_list()
    {
        var one = ApiException.Invalid("Pod", "web", [FieldError.Required("spec.containers[0].image")]);
        Assert.Equal("The Pod \"web\" is invalid: spec.containers[0].image: Required value", ErrorFormatter.Format(one, "creating", "pod.yaml"));

        var two = ApiException.Invalid("Pod", "web", [FieldError.Required("spec.containers[0].image"), FieldError.Required("spec.containers[0].name")]);
        Assert.Equal(
            "The Pod \"web\" is invalid: \n* spec.containers[0].image: Required value\n* spec.containers[0].name: Required value",
            ErrorFormatter.Format(two));
    }

    [Fact]
    public void Other_errors_name_their_reason_and_the_file()
    {
        var pods = ResourceRegistry.For<Pod>();
        Assert.Equal("Error from server (NotFound): pods \"web\" not found", ErrorFormatter.Format(ApiException.NotFound(pods, "web")));
        Assert.Equal(
            "Error from server (AlreadyExists): error when creating \"pod.yaml\": pods \"web\" already exists",
            ErrorFormatter.Format(ApiException.AlreadyExists(pods, "web"), "creating", "pod.yaml"));
    }
}

public sealed class ThreeWayMergePatchTests
{
    private static JsonObject J(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Sends_only_what_the_manifest_changes_and_deletes_what_it_dropped()
    {
        var original = J("""{"metadata":{"labels":{"a":"1","gone":"x"}},"spec":{"replicas":2}}""");
        var modified = J("""{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":3}}""");
        var current = J("""{"metadata":{"labels":{"a":"1","gone":"x","other":"kept"}},"spec":{"replicas":2,"paused":false}}""");
        var patch = ThreeWayMergePatch.Compute(original, modified, current);
        Assert.Equal("""{"metadata":{"labels":{"gone":null}},"spec":{"replicas":3}}""", patch.ToJsonString());
    }

    [Fact]
    public void Server_filled_fields_inside_lists_do_not_count_as_changes()
    {
        var modified = J("""{"spec":{"containers":[{"name":"a","image":"x"}]}}""");
        var current = J("""{"spec":{"containers":[{"name":"a","image":"x","imagePullPolicy":"Always"}],"nodeName":"n1"}}""");
        Assert.Empty(ThreeWayMergePatch.Compute(null, modified, current));

        var changed = J("""{"spec":{"containers":[{"name":"a","image":"y"}]}}""");
        Assert.Equal("""{"spec":{"containers":[{"name":"a","image":"y"}]}}""", ThreeWayMergePatch.Compute(null, changed, current).ToJsonString());
    }
}
