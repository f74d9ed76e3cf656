using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary><c>minictl exec -i</c>: minictl's stdin to a command in a real Docker container, through the API server and a real kubelet.</summary>
public sealed class ExecStdinCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Exec_i_feeds_stdin_streams_the_output_and_returns_the_exit_code()
    {
        var node = "cli-" + Unique.Id();
        await using var kubelet = KubeletHost.Create(new KubeletOptions
        {
            Server = fixture.Server.GrpcAddress,
            NodeName = node,
            Port = 0,
            RootDir = Path.Combine(Path.GetTempPath(), "minictl-kubelet-" + node),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
            SyncFrequency = TimeSpan.FromSeconds(2),
        });
        await kubelet.StartAsync();
        var ns = await fixture.NewNamespaceAsync();
        var name = "box-" + Unique.Id();
        var pod = TestObjects.Pod(name, ns, image: "minikube/busybox:1.0");
        await fixture.Client.CreateAsync(pod with
        {
            Spec = pod.Spec! with
            {
                NodeName = node,
                TerminationGracePeriodSeconds = 0,
                Containers = [pod.Spec.Containers[0] with { Command = ["sleep", "3600"] }],
            },
        });
        try
        {
            await Eventually.WaitAsync(() => fixture.Client.GetAsync<Pod>(name, ns), p => p.Status?.Phase == PodPhase.Running, TimeSpan.FromSeconds(60),
                $"pod {name} to run");
            var cli = fixture.Cli();

            var cat = await cli.RunWithInputAsync("hello\nworld\n", "exec", "-i", name, "-n", ns, "--", "cat");
            var failing = await cli.RunWithInputAsync("x\n", "exec", "-i", name, "-n", ns, "--", "sh", "-c", "read v; echo \"no $v\" >&2; exit 5");
            var plain = await cli.RunAsync("exec", name, "-n", ns, "--", "echo", "still non-interactive");

            Assert.True(cat.ExitCode == 0, cat.ToString());
            Assert.Equal("hello\nworld\n", cat.Out);
            Assert.Equal(5, failing.ExitCode);
            Assert.Equal("no x\ncommand terminated with exit code 5\n", failing.Err);
            Assert.True(plain.ExitCode == 0, plain.ToString());
            Assert.Equal("still non-interactive\n", plain.Out);
        }
        finally
        {
            await fixture.Client.DeleteAsync<Pod>(name, ns);
            // With a grace period of 0 the pod leaves the API at once, while the kubelet is still removing its containers:
            // wait for Docker to show none of this node's containers before the kubelet is stopped, or its cleanup is cut short.
            var label = $"io.minikube.node={node}";
            try
            {
                await Eventually.WaitAsync(async () => (await fixture.Client.ListAsync<Pod>(ns)).Items.Count == 0
                    && (await DockerCli.ListContainersAsync(label)).Count == 0, TimeSpan.FromSeconds(60), $"the kubelet to remove {name} and its containers");
            }
            finally
            {
                await DockerCli.RemoveContainersWithLabelAsync(label);
            }
        }
    }
}
