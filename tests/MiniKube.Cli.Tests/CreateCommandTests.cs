using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class CreateCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static string PodYaml(string name, string image = "nginx") =>
        $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: web\n    image: {image}\n";

    private static string ConfigMapYaml(string name) => $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n";

    private static string Write(string dir, string file, string text)
    {
        var path = Path.Combine(dir, file);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<bool> ExistsAsync<T>(string name, string ns) where T : KubeObject
    {
        try
        {
            await fixture.Client.GetAsync<T>(name, ns);
            return true;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return false;
        }
    }

    [Fact]
    public async Task Creates_from_a_file_and_prints_kind_slash_name_created()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var file = Write(temp, "pod.yaml", PodYaml("web"));

        var result = await fixture.Cli().RunAsync("create", "-f", file, "-n", ns);

        Assert.Equal(new CliResult(0, "pod/web created\n", ""), result);
        var pod = await fixture.Client.GetAsync<Pod>("web", ns);
        Assert.Equal("nginx", pod.Spec!.Containers[0].Image);
    }

    [Fact]
    public async Task Creates_every_manifest_of_a_directory_in_file_name_order()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var dir = temp.Path;
        Write(dir, "b.yaml", ConfigMapYaml("b"));
        Write(dir, "a.yml", ConfigMapYaml("a") + "---\n" + ConfigMapYaml("a2"));
        Write(dir, "c.json", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""");
        Write(dir, "README.md", "not a manifest");

        var result = await fixture.Cli().RunAsync("create", "-f", dir, "-n", ns);

        Assert.Equal(new CliResult(0, "configmap/a created\nconfigmap/a2 created\nconfigmap/b created\nconfigmap/c created\n", ""), result);
        var names = (await fixture.Client.ListAsync<ConfigMap>(ns)).Items.Select(c => c.Metadata.Name);
        Assert.Equal(["a", "a2", "b", "c"], names);
    }

    [Fact]
    public async Task Creates_from_stdin_with_dash()
    {
        var ns = await fixture.NewNamespaceAsync();

        var result = await fixture.Cli().RunWithInputAsync(PodYaml("one") + "---\n" + ConfigMapYaml("two"), "create", "-f", "-", "-n", ns);

        Assert.Equal(new CliResult(0, "pod/one created\nconfigmap/two created\n", ""), result);
        Assert.True(await ExistsAsync<Pod>("one", ns));
        Assert.True(await ExistsAsync<ConfigMap>("two", ns));
    }

    [Fact]
    public async Task A_bad_document_is_named_with_path_qualified_errors_and_the_good_ones_are_still_created()
    {
        // As kubectl: the good documents are created, the bad one is named, and the exit code says something failed.
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var good = Write(dir, "good.yaml", ConfigMapYaml("good"));
        var bad = Write(dir, "bad.yaml",
            ConfigMapYaml("valid-in-bad-file") + "---\n" +
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containers:\n  - name: web\n    imagee: nginx\n    portz: []\n");

        var result = await fixture.Cli().RunAsync("create", "-f", good, "-f", bad, "-n", ns);

        Assert.Equal(new CliResult(1, "configmap/good created\nconfigmap/valid-in-bad-file created\n",
            $"error: error validating \"{bad}\" (document 2): spec.containers[0].imagee: unknown field\n" +
            $"error: error validating \"{bad}\" (document 2): spec.containers[0].portz: unknown field\n"), result);
        Assert.True(await ExistsAsync<ConfigMap>("good", ns));
        Assert.True(await ExistsAsync<ConfigMap>("valid-in-bad-file", ns));
        Assert.False(await ExistsAsync<Pod>("typo", ns));
    }

    [Fact]
    public async Task A_file_whose_every_document_is_bad_creates_nothing_and_fails()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var bad = Write(temp.Path, "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta: {}\n");

        var result = await fixture.Cli().RunAsync("create", "-f", bad, "-n", ns);

        Assert.Equal(new CliResult(1, "", $"error: error validating \"{bad}\": datta: unknown field\n"), result);
        Assert.False(await ExistsAsync<ConfigMap>("typo", ns));
    }

    [Fact]
    public async Task An_existing_object_is_AlreadyExists_with_the_file_named()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var file = Write(temp, "pod.yaml", PodYaml("web"));
        Assert.Equal(0, (await fixture.Cli().RunAsync("create", "-f", file, "-n", ns)).ExitCode);

        var result = await fixture.Cli().RunAsync("create", "-f", file, "-n", ns);

        Assert.Equal(new CliResult(1, "", $"Error from server (AlreadyExists): error when creating \"{file}\": pods \"web\" already exists\n"), result);
    }

    [Fact]
    public async Task An_invalid_object_prints_the_server_causes_and_the_rest_is_still_created()
    {
        var ns = await fixture.NewNamespaceAsync();
        var noImage = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: noimage\nspec:\n  containers:\n  - name: web\n";
        var twoProblems = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: web\n";

        var result = await fixture.Cli().RunWithInputAsync(noImage + "---\n" + twoProblems + "---\n" + ConfigMapYaml("fine"), "create", "-f", "-", "-n", ns);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("configmap/fine created\n", result.Out);
        Assert.Equal(
            "The Pod \"noimage\" is invalid: spec.containers[0].image: Required value\n" +
            "The Pod \"Bad_Name\" is invalid: \n" +
            "* metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character\n" +
            "* spec.containers[0].image: Required value\n",
            result.Err);
    }

    [Fact]
    public async Task A_huge_invalid_label_value_is_an_ordinary_Invalid_error_quoting_a_bounded_prefix()
    {
        var ns = await fixture.NewNamespaceAsync();
        var huge = new string('a', 30_000);
        var yaml = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  labels:\n    app: {huge}\n";

        var result = await fixture.Cli().RunWithInputAsync(yaml, "create", "-f", "-", "-n", ns);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("The ConfigMap \"huge\" is invalid: metadata.labels: Invalid value: \"" + huge[..256] + "\"... (truncated; 30000 characters in all)", result.Err);
        Assert.DoesNotContain("connect", result.Err, StringComparison.OrdinalIgnoreCase);
        Assert.True(result.Err.Length < 2_000, $"{result.Err.Length} characters of errors");
        Assert.False(await ExistsAsync<ConfigMap>("huge", ns));
    }

    [Fact]
    public async Task A_billion_laughs_file_is_refused_quickly_with_a_clear_error()
    {
        var ns = await fixture.NewNamespaceAsync();
        var bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                   + string.Concat("bcdefghi".Select(c => $"  {c}: &{c} [{string.Join(",", Enumerable.Repeat("*" + (char)(c - 1), 9))}]\n"));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await fixture.Cli().RunWithInputAsync(bomb, "create", "-f", "-", "-n", ns);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("document contains excessive aliasing", result.Err);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(await ExistsAsync<ConfigMap>("lol", ns));
    }

    [Fact]
    public async Task Dry_runs_print_what_would_be_created_and_store_nothing()
    {
        var ns = await fixture.NewNamespaceAsync();

        var client = await fixture.Cli().RunWithInputAsync(PodYaml("dry"), "create", "-f", "-", "-n", ns, "--dry-run=client");
        var server = await fixture.Cli().RunWithInputAsync(PodYaml("dry"), "create", "-f", "-", "-n", ns, "--dry-run=server");
        var invalid = await fixture.Cli().RunWithInputAsync(PodYaml("dry", image: "''"), "create", "-f", "-", "-n", ns, "--dry-run=server");

        Assert.Equal(new CliResult(0, "pod/dry created (dry run)\n", ""), client);
        Assert.Equal(new CliResult(0, "pod/dry created (server dry run)\n", ""), server);
        Assert.Equal(new CliResult(1, "", "The Pod \"dry\" is invalid: spec.containers[0].image: Required value\n"), invalid);
        Assert.False(await ExistsAsync<Pod>("dry", ns));
    }

    [Fact]
    public async Task A_manifest_namespace_that_contradicts_an_explicit_namespace_is_refused()
    {
        var ns = await fixture.NewNamespaceAsync();
        var manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: other\n";

        var result = await fixture.Cli().RunWithInputAsync(manifest, "create", "-f", "-", "-n", ns);

        Assert.Equal(new CliResult(1, "",
            $"error: the namespace from the provided object \"other\" does not match the namespace \"{ns}\". You must pass '--namespace=other' to perform this operation.\n"),
            result);
        Assert.False(await ExistsAsync<ConfigMap>("elsewhere", ns));
    }

    [Fact]
    public async Task Output_yaml_prints_the_created_object()
    {
        var ns = await fixture.NewNamespaceAsync();

        var result = await fixture.Cli().RunWithInputAsync(ConfigMapYaml("shown"), "create", "-f", "-", "-n", ns, "-o", "yaml");

        Assert.Equal(0, result.ExitCode);
        var printed = Assert.IsType<ConfigMap>(Assert.Single(KubeSerializer.DecodeManifests(result.Out)));
        Assert.Equal((await fixture.Client.GetAsync<ConfigMap>("shown", ns)).Metadata.Uid, printed.Metadata.Uid);
    }

    [Fact]
    public async Task Missing_files_and_missing_flags_are_one_line_errors()
    {
        using var temp = new TempDirectory();
        var missing = Path.Combine(temp, "nope.yaml");
        Assert.Equal(new CliResult(1, "", $"error: the path \"{missing}\" does not exist\n"), await fixture.Cli().RunAsync("create", "-f", missing));
        Assert.Equal(new CliResult(1, "", "error: must specify one of -f and -k\n"), await fixture.Cli().RunAsync("create"));
    }
}
