using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class PatchAndApplyTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Patch_changes_a_label_and_a_repeated_patch_is_no_change()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("web", ns));
        const string patch = """{"metadata":{"labels":{"tier":"frontend"}}}""";

        var first = await fixture.Cli().RunAsync("patch", "pod", "web", "-n", ns, "-p", patch);
        var again = await fixture.Cli().RunAsync("patch", "pod/web", "-n", ns, "-p", patch, "--type", "merge");

        Assert.Equal(new CliResult(0, "pod/web patched\n", ""), first);
        Assert.Equal(new CliResult(0, "pod/web patched (no change)\n", ""), again);
        Assert.Equal("frontend", (await fixture.Client.GetAsync<Pod>("web", ns)).Metadata.Labels!["tier"]);
    }

    [Fact]
    public async Task Patch_of_the_status_subresource()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("web", ns));

        var result = await fixture.Cli().RunAsync("patch", "pod", "web", "-n", ns, "--subresource", "status", "-p", """{"status":{"phase":"Running"}}""");

        Assert.Equal(new CliResult(0, "pod/web patched\n", ""), result);
        Assert.Equal("Running", (await fixture.Client.GetAsync<Pod>("web", ns)).Status!.Phase);
    }

    [Fact]
    public async Task Patch_errors_are_one_line()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("web", ns));
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(1, "", "Error from server (NotFound): pods \"ghost\" not found\n"), await cli.RunAsync("patch", "pod", "ghost", "-n", ns, "-p", "{}"));
        var badJson = await cli.RunAsync("patch", "pod", "web", "-n", ns, "-p", "{nope");
        Assert.Equal(1, badJson.ExitCode);
        Assert.StartsWith("error: unable to parse \"{nope\": ", badJson.Err);
        Assert.Single(badJson.Err.TrimEnd('\n').Split('\n'));
        Assert.Equal(new CliResult(1, "", "error: --type json is not supported: the MiniKube API server accepts JSON merge patches; use --type merge\n"),
            await cli.RunAsync("patch", "pod", "web", "-n", ns, "--type", "json", "-p", "[]"));
        var invalid = await cli.RunAsync("patch", "pod", "web", "-n", ns, "-p", """{"spec":{"containers":[{"name":"main"}]}}""");
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("The Pod \"web\" is invalid: \n* spec.containers[0].image: Required value\n* spec: Forbidden: pod updates may not change fields", invalid.Err);
    }

    private static string Deployment(int replicas, string labels) =>
        $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {{{labels}}}\nspec:\n  replicas: {replicas}\n" +
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n" +
        "    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n";

    [Fact]
    public async Task Apply_creates_then_reports_unchanged_then_configures()
    {
        var ns = await fixture.NewNamespaceAsync();
        var cli = fixture.Cli();

        var created = await cli.RunWithInputAsync(Deployment(2, "app: web, team: a"), "apply", "-f", "-", "-n", ns);
        var unchanged = await cli.RunWithInputAsync(Deployment(2, "app: web, team: a"), "apply", "-f", "-", "-n", ns);
        // Someone else labels the object; apply leaves what it does not manage alone.
        await fixture.Client.PatchAsync<Deployment>("web", ns, """{"metadata":{"labels":{"owner":"ops"}}}""");
        var configured = await cli.RunWithInputAsync(Deployment(3, "app: web"), "apply", "-f", "-", "-n", ns);

        Assert.Equal(new CliResult(0, "deployment.apps/web created\n", ""), created);
        Assert.Equal(new CliResult(0, "deployment.apps/web unchanged\n", ""), unchanged);
        Assert.Equal(new CliResult(0, "deployment.apps/web configured\n", ""), configured);
        var live = await fixture.Client.GetAsync<Deployment>("web", ns);
        Assert.Equal(3, live.Spec!.Replicas);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["owner"] = "ops" }, live.Metadata.Labels);
        Assert.Contains("\"replicas\":3", live.Metadata.Annotations!["kubectl.kubernetes.io/last-applied-configuration"]);
    }

    [Fact]
    public async Task Apply_of_an_object_made_by_create_warns_and_configures_it()
    {
        var ns = await fixture.NewNamespaceAsync();
        var cli = fixture.Cli();
        Assert.Equal(0, (await cli.RunWithInputAsync(Deployment(1, "app: web"), "create", "-f", "-", "-n", ns)).ExitCode);

        var result = await cli.RunWithInputAsync(Deployment(1, "app: web"), "apply", "-f", "-", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("deployment.apps/web configured\n", result.Out);
        Assert.StartsWith("Warning: resource deployments.apps/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation", result.Err);
        Assert.Equal(new CliResult(0, "deployment.apps/web unchanged\n", ""), await cli.RunWithInputAsync(Deployment(1, "app: web"), "apply", "-f", "-", "-n", ns));
    }

    [Fact]
    public async Task Apply_reports_server_errors_per_object()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n";

        var result = await fixture.Cli().RunWithInputAsync(pod + "---\n" + Deployment(1, "app: web"), "apply", "-f", "-", "-n", ns);

        Assert.Equal(new CliResult(1, "deployment.apps/web created\n", "The Pod \"p\" is invalid: spec.containers[0].image: Required value\n"), result);
    }
}
