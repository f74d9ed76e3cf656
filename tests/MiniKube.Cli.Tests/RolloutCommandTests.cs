using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>
/// minictl rollout, scale and set image (the logic is tested in MiniKube.Controllers.Tests; here the wiring and the
/// output). No controllers run here, so statuses are written by the test.
/// </summary>
public sealed class RolloutCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private async Task<string> DeploymentAsync()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec
            {
                Replicas = 2,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "busybox:1.0" }] },
                },
            },
        });
        return ns;
    }

    [Fact]
    public async Task Pause_resume_restart_scale_and_set_image_print_kubectls_lines()
    {
        var ns = await DeploymentAsync();
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "deployment.apps/web paused\n", ""), await cli.RunAsync("rollout", "pause", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: deployments.apps \"web\" is already paused\n"), await cli.RunAsync("rollout", "pause", "deploy", "web", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: deployments.apps \"web\" can't restart paused deployment (run rollout resume first)\n"),
            await cli.RunAsync("rollout", "restart", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(0, "deployment.apps/web resumed\n", ""), await cli.RunAsync("rollout", "resume", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(0, "deployment.apps/web restarted\n", ""), await cli.RunAsync("rollout", "restart", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(0, "deployment.apps/web scaled\n", ""), await cli.RunAsync("scale", "deployment/web", "--replicas", "5", "-n", ns));
        Assert.Equal(new CliResult(0, "deployment.apps/web image updated\n", ""), await cli.RunAsync("set", "image", "deployment/web", "app=busybox:2.0", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: unable to find container named \"nope\"\n"), await cli.RunAsync("set", "image", "deployment/web", "nope=x", "-n", ns));

        var d = await fixture.Client.GetAsync<Deployment>("web", ns);
        Assert.Equal(5, d.Spec!.Replicas);
        Assert.Equal("busybox:2.0", d.Spec.Template.Spec!.Containers[0].Image);
        Assert.True(d.Spec.Template.Metadata!.Annotations!.ContainsKey("kubectl.kubernetes.io/restartedAt"));
        Assert.NotEqual(true, d.Spec.Paused);
    }

    [Fact]
    public async Task Status_without_watching_reads_the_deployment_status()
    {
        var ns = await DeploymentAsync();
        var d = await fixture.Client.GetAsync<Deployment>("web", ns);
        await fixture.Client.UpdateStatusAsync(d with
        {
            Status = new DeploymentStatus { ObservedGeneration = d.Metadata.Generation, Replicas = 2, UpdatedReplicas = 2, AvailableReplicas = 1 },
        });

        var result = await fixture.Cli().RunAsync("rollout", "status", "deployment/web", "--watch=false", "-n", ns);

        Assert.Equal(new CliResult(0, "Waiting for deployment \"web\" rollout to finish: 1 of 2 updated replicas are available...\n", ""), result);
    }

    [Fact]
    public async Task History_and_undo_without_revisions_say_so_and_rollout_refuses_other_kinds()
    {
        var ns = await DeploymentAsync();
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n\n", ""), await cli.RunAsync("rollout", "history", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: no rollout history found for deployment \"web\"\n"), await cli.RunAsync("rollout", "undo", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: unable to find specified revision 3 in history\n"),
            await cli.RunAsync("rollout", "undo", "deployment/web", "--to-revision", "3", "-n", ns));
        var other = await cli.RunAsync("rollout", "pause", "pod/web", "-n", ns);
        Assert.Equal(1, other.ExitCode);
        Assert.Equal("error: rollout of pods is not supported: MiniKube rolls out deployments\n", other.Err);
    }
}
