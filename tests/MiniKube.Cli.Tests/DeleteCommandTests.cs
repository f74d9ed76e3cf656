using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class DeleteCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
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
    public async Task Deletes_by_name_and_the_object_is_gone()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("web", ns));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("cfg", ns, 1));

        var pod = await fixture.Cli().RunAsync("delete", "pod", "web", "-n", ns);
        var cm = await fixture.Cli().RunAsync("delete", "configmap/cfg", "-n", ns);

        Assert.Equal(new CliResult(0, "pod \"web\" deleted\n", ""), pod);
        Assert.Equal(new CliResult(0, "configmap \"cfg\" deleted\n", ""), cm);
        Assert.False(await ExistsAsync<Pod>("web", ns));
        Assert.False(await ExistsAsync<ConfigMap>("cfg", ns));
    }

    [Fact]
    public async Task A_missing_object_is_NotFound_and_exit_1_while_the_others_are_deleted()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("real", ns));

        var result = await fixture.Cli().RunAsync("delete", "pods", "ghost", "real", "-n", ns);
        var ignored = await fixture.Cli().RunAsync("delete", "pod", "ghost", "-n", ns, "--ignore-not-found");

        Assert.Equal(new CliResult(1, "pod \"real\" deleted\n", "Error from server (NotFound): pods \"ghost\" not found\n"), result);
        Assert.Equal(new CliResult(0, "", ""), ignored);
        Assert.False(await ExistsAsync<Pod>("real", ns));
    }

    [Fact]
    public async Task Deletes_by_label_selector_all_or_file()
    {
        var ns = await fixture.NewNamespaceAsync();
        var web = new Dictionary<string, string> { ["app"] = "web" };
        await fixture.Client.CreateAsync(TestObjects.Pod("w1", ns, web));
        await fixture.Client.CreateAsync(TestObjects.Pod("w2", ns, web));
        await fixture.Client.CreateAsync(TestObjects.Pod("keep", ns));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("c1", ns, 1));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("c2", ns, 1));
        using var temp = new TempDirectory();
        var manifest = Path.Combine(temp, "keep.yaml");
        File.WriteAllText(manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: keep\nspec:\n  containers:\n  - name: main\n    image: busybox\n");
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "pod \"w1\" deleted\npod \"w2\" deleted\n", ""), await cli.RunAsync("delete", "pods", "-l", "app=web", "-n", ns));
        Assert.True(await ExistsAsync<Pod>("keep", ns));
        Assert.Equal(new CliResult(0, "configmap \"c1\" deleted\nconfigmap \"c2\" deleted\n", ""), await cli.RunAsync("delete", "cm", "--all", "-n", ns));
        Assert.Equal(new CliResult(0, "pod \"keep\" deleted\n", ""), await cli.RunAsync("delete", "-f", manifest, "-n", ns));
        Assert.Equal(new CliResult(1, "", $"Error from server (NotFound): error when deleting \"{manifest}\": pods \"keep\" not found\n"),
            await cli.RunAsync("delete", "-f", manifest, "-n", ns));
        Assert.Equal(new CliResult(0, "", "No resources found\n"), await cli.RunAsync("delete", "pods", "-l", "app=web", "-n", ns));
    }

    [Fact]
    public async Task Arguments_that_name_nothing_are_refused()
    {
        var cli = fixture.Cli();
        Assert.Equal(new CliResult(1, "", "error: resource(s) were provided, but no name was specified\n"), await cli.RunAsync("delete", "pods"));
        Assert.Equal(new CliResult(1, "", "error: You must provide one or more resources by argument or filename.\n"), await cli.RunAsync("delete"));
        Assert.Equal(new CliResult(1, "", "error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\".\n"),
            await cli.RunAsync("delete", "pod", "x", "--cascade=sideways"));
    }

    [Fact]
    public async Task Waits_for_a_graceful_deletion_to_finish_unless_told_not_to()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("graceful", ns));
        await fixture.Client.CreateAsync(TestObjects.Pod("nowait", ns));
        // Bound pods are deleted gracefully: marked, and finished by their node's kubelet (played here by the test).
        await fixture.Client.BindAsync(ns, "graceful", "node-g");
        await fixture.Client.BindAsync(ns, "nowait", "node-g");

        var noWait = await fixture.Cli().RunAsync("delete", "pod", "nowait", "-n", ns, "--wait=false");
        Assert.Equal(new CliResult(0, "pod \"nowait\" deleted\n", ""), noWait);
        Assert.NotNull((await fixture.Client.GetAsync<Pod>("nowait", ns)).Metadata.DeletionTimestamp);

        var output = new ConcurrentStringWriter();
        var run = fixture.Cli().Start(["delete", "pod", "graceful", "-n", ns], output, new ConcurrentStringWriter());
        await Eventually.WaitAsync(async () => (await fixture.Client.GetAsync<Pod>("graceful", ns)).Metadata.DeletionTimestamp is not null,
            TimeSpan.FromSeconds(20), "the pod to be marked for deletion");
        Assert.False(run.IsCompleted, "minictl should wait while the pod is terminating");
        await fixture.Client.DeleteAsync<Pod>("graceful", ns, new DeleteOptions { GracePeriodSeconds = 0 });

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("pod \"graceful\" deleted\n", output.ToString());
    }

    [Fact]
    public async Task Waiting_gives_up_after_the_timeout_with_one_error_line()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("stuck", ns));
        await fixture.Client.BindAsync(ns, "stuck", "node-g");

        var result = await fixture.Cli().RunAsync("delete", "pod", "stuck", "-n", ns, "--timeout", "1s");

        Assert.Equal(new CliResult(1, "pod \"stuck\" deleted\n", "error: timed out waiting for the condition on pods/stuck\n"), result);
    }
}
