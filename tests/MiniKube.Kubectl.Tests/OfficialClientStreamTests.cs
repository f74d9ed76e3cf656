using k8s;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// What needs a running container, through kubectl and the official clients against a real kubelet's Docker pods:
/// <c>kubectl logs --previous</c>, the KubernetesClient package's exec, and python3-kubernetes reading logs.
/// </summary>
public sealed class OfficialClientStreamTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [DockerFact]
    public async Task Logs_previous_shows_the_run_before_the_restart()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        // Each run prints its own start time, so the previous run's log differs from the current one's.
        await node.RunPodAsync(ns, "crasher", "echo run-$(date +%s%N); sleep 3; exit 3", waitFor: "jsonpath={.status.phase}=Running");
        await Eventually.WaitAsync(async () => int.TryParse(await cluster.OkAsync("get", "pod", "crasher", "-n", ns, "-o", "jsonpath={.status.containerStatuses[0].restartCount}"),
            out var restarts) && restarts >= 1, TimeSpan.FromSeconds(90), "the container's first restart");
        await Eventually.WaitAsync(async () => (await cluster.RunAsync(["logs", "crasher", "-n", ns])).Stdout.StartsWith("run-", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the restarted container's log");

        var previous = await cluster.RunAsync(["logs", "crasher", "-n", ns, "--previous"]);
        var current = await cluster.RunAsync(["logs", "crasher", "-n", ns]);

        Assert.True(previous.ExitCode == 0, previous.Describe());
        Assert.StartsWith("run-", previous.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("run-", current.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(current.Stdout, previous.Stdout);
    }

    [DockerFact]
    public async Task KubernetesClient_execs_a_command_and_gets_its_output_and_exit_code()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig));

        var (okCode, okOut, _) = await ExecAsync(client, ns, ["echo", "hi"]);
        var (failCode, _, failErr) = await ExecAsync(client, ns, ["sh", "-c", "echo oops >&2; exit 3"]);

        Assert.Equal((0, "hi\n"), (okCode, okOut));
        Assert.Equal(3, failCode);
        Assert.Equal("oops\n", failErr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(Kubernetes client, string ns, string[] command)
    {
        string stdout = "", stderr = "";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await client.NamespacedPodExecAsync("box", ns, "main", command, tty: false, async (_, output, error) =>
        {
            using var outReader = new StreamReader(output);
            using var errReader = new StreamReader(error);
            var (o, e) = (outReader.ReadToEndAsync(timeout.Token), errReader.ReadToEndAsync(timeout.Token));
            (stdout, stderr) = (await o, await e);
        }, timeout.Token);
        return (code, stdout, stderr);
    }

    [DockerFact]
    public async Task Python_client_reads_a_pods_logs()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "talker", "echo line-1; echo line-2; sleep 3600");
        await Eventually.WaitAsync(async () => (await cluster.RunAsync(["logs", "talker", "-n", ns])).Stdout.Contains("line-2", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the pod's log");
        var script = cluster.WriteFile("logs.py", $$$$"""
            from kubernetes import client, config
            config.load_kube_config(config_file="{{{{cluster.Kubeconfig}}}}")
            core = client.CoreV1Api()
            print(core.read_namespaced_pod_log("talker", "{{{{ns}}}}"), end="")
            print("tail:" + core.read_namespaced_pod_log("talker", "{{{{ns}}}}", tail_lines=1), end="")
            """);
        var python = await cluster.RunProgramAsync("/usr/bin/python3", [script]);

        Assert.True(python.ExitCode == 0, python.Describe());
        Assert.Equal("line-1\nline-2\ntail:line-2\n", python.Stdout);
    }
}
