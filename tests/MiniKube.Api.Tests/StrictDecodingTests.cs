using System.Text;

namespace MiniKube.Api.Tests;

public sealed class StrictDecodingTests
{
    private static IReadOnlyList<string> ErrorsOfYaml(string yaml) =>
        Assert.Throws<DecodeException>(() => KubeSerializer.DecodeManifests(yaml)).Errors.Select(e => e.ToString()).ToList();

    private static IReadOnlyList<string> ErrorsOfJson(string json) =>
        Assert.Throws<DecodeException>(() => KubeSerializer.DecodeObject(Encoding.UTF8.GetBytes(json))).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void NUL_characters_in_strings_are_refused_with_the_path_instead_of_being_dropped()
    {
        var errors = ErrorsOfJson("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a\u0000":"x"},"annotations":{"note":"b\u0000c"}},
             "spec":{"containers":[{"name":"c","image":"busybox","args":["ok","x\u0000"]}]}}
            """);

        Assert.Equal(
            [
                "metadata.labels: invalid value: contains a NUL character (\\u0000) at offset 1; strings may not contain NUL",
                "metadata.annotations.note: invalid value: contains a NUL character (\\u0000) at offset 1; strings may not contain NUL",
                "spec.containers[0].args[1]: invalid value: contains a NUL character (\\u0000) at offset 1; strings may not contain NUL",
            ],
            errors);
    }

    [Fact]
    public void Typo_in_a_container_field_names_the_full_path()
    {
        var errors = ErrorsOfYaml("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                imagee: nginx
            """);

        Assert.Equal(["spec.containers[0].imagee: unknown field"], errors);
    }

    [Fact]
    public void Every_unknown_field_is_reported_at_once()
    {
        const string json = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labelz":{}},
             "spec":{"replica":3,"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","imagee":"y","portz":[]}]}}},
             "extra":true}
            """;

        var errors = ErrorsOfJson(json);

        Assert.Equal(
            [
                "metadata.labelz: unknown field",
                "spec.replica: unknown field",
                "spec.template.spec.containers[1].imagee: unknown field",
                "spec.template.spec.containers[1].portz: unknown field",
                "extra: unknown field",
            ],
            errors);
        var error = Assert.Throws<DecodeException>(() => KubeSerializer.DecodeObject(Encoding.UTF8.GetBytes(json))).Errors[0];
        Assert.Equal(FieldErrorType.UnknownField, error.Type);
        Assert.Equal("metadata.labelz", error.Path);
    }

    [Fact]
    public void Map_keys_are_never_unknown_fields()
    {
        var pod = Assert.IsType<Pod>(Assert.Single(KubeSerializer.DecodeManifests("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              labels: {anything: goes, imagee: fine}
            spec:
              nodeSelector: {whatever: x}
              containers:
              - name: c
                resources:
                  limits: {example.com/gpu: 1, cpu: 2}
            """)));

        Assert.Equal("fine", pod.Metadata.Labels!["imagee"]);
        Assert.Equal(1, pod.Spec!.Containers[0].Resources!.Limits!["example.com/gpu"].Value);
    }

    [Fact]
    public void Wrong_type_names_path_and_types()
    {
        var errors = ErrorsOfJson("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":"3","paused":"yes","template":{"spec":{"containers":{}}}}}""");

        Assert.Equal(
            [
                "spec.replicas: invalid type: expected integer, got string",
                "spec.paused: invalid type: expected boolean, got string",
                "spec.template.spec.containers: invalid type: expected array, got object",
            ],
            errors);
    }

    [Fact]
    public void Quoted_yaml_numbers_are_strings()
    {
        var errors = ErrorsOfYaml("""
            apiVersion: v1
            kind: Service
            metadata:
              name: s
              labels:
                version: 1.0
            spec:
              ports:
              - port: "80"
            """);

        Assert.Equal(
            [
                "metadata.labels.version: invalid type: expected string, got number",
                "spec.ports[0].port: invalid type: expected integer, got string",
            ],
            errors);
    }

    [Fact]
    public void Bad_quantity_names_the_path_with_kubernetes_wording()
    {
        var errors = ErrorsOfYaml("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                resources:
                  limits:
                    cpu: 12x
            """);

        Assert.Equal(
            ["spec.containers[0].resources.limits.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
            errors);
    }

    [Fact]
    public void Bad_quantity_in_json_takes_the_slow_path_and_keeps_the_path()
    {
        var errors = ErrorsOfJson("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"memory":"1.2.3Gi"}}}""");

        Assert.Single(errors);
        Assert.StartsWith("status.capacity.memory: ", errors[0]);
    }

    [Fact]
    public void Other_unreadable_values_are_reported()
    {
        var errors = ErrorsOfJson("""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","creationTimestamp":"yesterday"},
             "data":{"k":"not base64!"},"immutable":1}
            """);

        Assert.Equal(3, errors.Count);
        Assert.StartsWith("metadata.creationTimestamp: Invalid value: \"yesterday\"", errors[0]);
        Assert.StartsWith("data.k: illegal base64 data", errors[1]);
        Assert.Equal("immutable: invalid type: expected boolean, got number", errors[2]);
    }

    [Fact]
    public void Integer_overflow_is_an_error()
    {
        var errors = ErrorsOfJson("""{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":3000000000,"minReadySeconds":1.5}}""");

        Assert.Equal(2, errors.Count);
        Assert.Contains("spec.replicas: Invalid value: 3000000000: out of range", errors[0]);
        Assert.Equal("spec.minReadySeconds: invalid type: expected integer, got number 1.5", errors[1]);
    }

    [Fact]
    public void Unknown_kind_and_version()
    {
        Assert.Equal(["no kind \"Foo\" is registered for version \"v1\""], ErrorsOfYaml("apiVersion: v1\nkind: Foo\n"));
        Assert.Equal(["no kind \"Deployment\" is registered for version \"v1\""], ErrorsOfJson("""{"apiVersion":"v1","kind":"Deployment"}"""));
    }

    [Fact]
    public void Missing_type_fields_are_required()
    {
        Assert.Equal(["kind: Required value"], ErrorsOfYaml("apiVersion: v1\nmetadata:\n  name: x\n"));
        Assert.Equal(["apiVersion: Required value"], ErrorsOfJson("""{"kind":"Pod"}"""));
        Assert.Equal(["apiVersion: Required value", "kind: Required value"], ErrorsOfJson("{}"));
    }

    [Fact]
    public void Yaml_syntax_error_names_line_and_column()
    {
        var errors = ErrorsOfYaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n   labels: x\n");

        var error = Assert.Single(errors);
        Assert.StartsWith("yaml: line 5, column ", error);
    }

    [Fact]
    public void Json_syntax_error_names_line_and_column()
    {
        var errors = ErrorsOfJson("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",,\n}");

        var error = Assert.Single(errors);
        Assert.StartsWith("invalid JSON at line 3, column ", error);
    }

    [Fact]
    public void Duplicate_fields_are_errors()
    {
        Assert.Equal(["metadata.name: duplicate field \"name\""], ErrorsOfJson("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"}}"""));
        var yamlError = Assert.Single(ErrorsOfYaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n"));
        Assert.Contains("duplicate", yamlError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Nulls_mean_unset()
    {
        var pod = Assert.IsType<Pod>(KubeSerializer.DecodeObject(Encoding.UTF8.GetBytes(
            """{"apiVersion":"v1","kind":"Pod","metadata":null,"spec":{"containers":null,"nodeName":null},"status":null}""")));
        var fromYaml = Assert.IsType<Pod>(Assert.Single(KubeSerializer.DecodeManifests("apiVersion: v1\nkind: Pod\nmetadata:\n  name:\n  labels:\n    a:\nspec:\n")));

        Assert.NotNull(pod.Metadata);
        Assert.Empty(pod.Spec!.Containers);
        Assert.Null(pod.Spec.NodeName);
        Assert.Null(fromYaml.Metadata.Name);
        Assert.Equal("", fromYaml.Metadata.Labels!["a"]);
        Assert.Null(fromYaml.Spec);
    }

    [Fact]
    public void Errors_inside_list_items_are_prefixed()
    {
        var errors = ErrorsOfYaml("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: ok}
            - apiVersion: v1
              kind: ConfigMap
              dataa: {}
            """);

        Assert.Equal(["items[1].dataa: unknown field"], errors);
    }

    [Fact]
    public void FromJson_of_a_known_type_is_strict_too()
    {
        var ex = Assert.Throws<DecodeException>(() => KubeSerializer.FromJson<Container>("""{"name":"c","imagee":"x"}"""));

        Assert.Equal("imagee: unknown field", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Case_matters_for_field_names()
    {
        Assert.Equal(["metadata.Name: unknown field"], ErrorsOfJson("""{"apiVersion":"v1","kind":"Pod","metadata":{"Name":"p"}}"""));
        Assert.Equal(["status.daemonEndpoints.kubeletEndpoint.port: unknown field"],
            ErrorsOfJson("""{"apiVersion":"v1","kind":"Node","status":{"daemonEndpoints":{"kubeletEndpoint":{"port":1}}}}"""));
    }

    [Fact]
    public void Unclosed_flow_sequence_is_a_positioned_yaml_error()
    {
        var error = Assert.Single(ErrorsOfYaml("apiVersion: v1\nkind: ConfigMap\ndata: [1, 2\nmetadata: {}\n"));

        Assert.StartsWith("yaml: line ", error);
    }

    [Fact]
    public void Null_list_items_are_rejected()
    {
        var error = Assert.Single(ErrorsOfYaml("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  -\n"));

        Assert.Equal("spec.containers[0]: invalid type: expected object, got null", error);
    }

    [Fact]
    public void Explicit_tags_must_fit_their_value()
    {
        var error = Assert.Single(ErrorsOfYaml("apiVersion: v1\nkind: Pod\nspec:\n  priority: !!int abc\n"));

        Assert.Equal("spec.priority: yaml: line 4: cannot read \"abc\" as !!int", error);
    }

    [Fact]
    public void Delete_options_from_kubectl_decode()
    {
        var options = KubeSerializer.FromJson<DeleteOptions>("""{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background","gracePeriodSeconds":0}""");

        Assert.Equal(PropagationPolicy.Background, options.PropagationPolicy);
        Assert.Equal(0, options.GracePeriodSeconds);
    }
}
