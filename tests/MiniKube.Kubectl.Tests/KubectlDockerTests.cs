using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>kubectl logs and exec through the API server to a real kubelet running Docker containers.</summary>
public sealed class KubectlDockerTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [DockerFact]
    public async Task Logs_and_exec_reach_the_container_through_the_kubelet()
    {
        var node = "kubectl-" + Guid.NewGuid().ToString("N")[..8];
        var ns = await cluster.NewNamespaceAsync();
        await using var kubelet = await StartKubeletAsync(node);
        var pod = Manifests.Pod("talker").Replace("""command: ["sleep", "3600"]""",
            """command: ["sh", "-c", "echo line-1; echo line-2; echo line-3; sleep 3600"]""", StringComparison.Ordinal)
            + $"\n  nodeName: {node}\n  terminationGracePeriodSeconds: 0\n";
        try
        {
            await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("talker.yaml", pod));
            await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/talker", "--timeout=60s");
            await Eventually.WaitAsync(async () => (await cluster.RunAsync(["logs", "talker", "-n", ns])).Stdout.Contains("line-3", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), "the container's output in kubectl logs");

            var logs = await cluster.OkAsync("logs", "talker", "-n", ns);
            var tail = await cluster.OkAsync("logs", "talker", "-n", ns, "--tail=1");
            var follow = await FollowUntilAsync(ns, "line-3");
            var exec = await cluster.RunAsync(["exec", "talker", "-n", ns, "--", "echo", "hi"]);
            var failing = await cluster.RunAsync(["exec", "talker", "-n", ns, "--", "sh", "-c", "echo oops >&2; exit 3"]);

            Assert.Equal("line-1\nline-2\nline-3\n", logs);
            Assert.Equal("line-3\n", tail);
            Assert.True(follow.StillRunning, "kubectl logs -f ended although the container still runs");
            Assert.True(exec.ExitCode == 0, exec.Describe());
            Assert.Equal("hi\n", exec.Stdout);
            Assert.Equal(3, failing.ExitCode);
            Assert.Contains("oops", failing.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.RunAsync(["delete", "pod", "talker", "-n", ns, "--grace-period=0", "--wait=true", "--timeout=60s"]);
        }
    }

    [DockerFact]
    public async Task Logs_since_a_time_or_a_duration_leave_out_the_older_lines_on_both_wires()
    {
        var node = "kubectl-" + Guid.NewGuid().ToString("N")[..8];
        var ns = await cluster.NewNamespaceAsync();
        await using var kubelet = await StartKubeletAsync(node);
        // The container's own pause puts five seconds between the lines, so "since" has a gap to fall into.
        var pod = Manifests.Pod("dated").Replace("""command: ["sleep", "3600"]""",
            """command: ["sh", "-c", "echo early; sleep 5; echo late; sleep 3600"]""", StringComparison.Ordinal)
            + $"\n  nodeName: {node}\n  terminationGracePeriodSeconds: 0\n";
        try
        {
            await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("dated.yaml", pod));
            var stamped = await Eventually.WaitAsync(async () =>
                {
                    var run = await cluster.RunAsync(["logs", "dated", "-n", ns, "--timestamps"]);
                    return run.Stdout.Contains(" late", StringComparison.Ordinal) ? run.Stdout : null;
                }, TimeSpan.FromSeconds(60), "both lines in kubectl logs --timestamps");
            var times = stamped.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..],
                    line => DateTimeOffset.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
            var seconds = (long)Math.Ceiling((DateTimeOffset.UtcNow - times["late"]).TotalSeconds) + 1;
            Assert.True(DateTimeOffset.UtcNow.AddSeconds(-seconds) > times["early"],
                $"--since={seconds}s would reach back past the early line ({times["early"]:O}); the machine is too slow for this check");

            var sinceTime = await cluster.OkAsync("logs", "dated", "-n", ns, "--since-time=" + times["late"].UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            var since = await cluster.OkAsync("logs", "dated", "-n", ns, $"--since={seconds}s");
            var all = await cluster.OkAsync("logs", "dated", "-n", ns, "--since=1h");
            var grpc = new System.Text.StringBuilder();
            await foreach (var chunk in cluster.Server.Client.StreamLogsAsync(ns, "dated", new PodLogRequest(Since: TimeSpan.FromSeconds(seconds))))
            {
                grpc.Append(chunk);
            }
            var both = await cluster.RunAsync(["logs", "dated", "-n", ns, "--since=1h", "--since-time=2026-01-01T00:00:00Z"]);

            Assert.Equal("late\n", sinceTime);
            Assert.Equal("late\n", since);
            Assert.Equal("early\nlate\n", all);
            Assert.Equal("late\n", grpc.ToString());
            Assert.NotEqual(0, both.ExitCode);
        }
        finally
        {
            await cluster.RunAsync(["delete", "pod", "dated", "-n", ns, "--grace-period=0", "--wait=true", "--timeout=60s"]);
        }
    }

    private async Task<KubeletHost> StartKubeletAsync(string node)
    {
        var kubelet = KubeletHost.Create(new KubeletOptions
        {
            Server = cluster.Server.GrpcAddress,
            NodeName = node,
            Port = 0,
            RootDir = Path.Combine(cluster.Home, "kubelet-" + node),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
            SyncFrequency = TimeSpan.FromSeconds(2),
        });
        await kubelet.StartAsync();
        return kubelet;
    }

    /// <summary>Runs <c>kubectl logs -f</c> until it printed <paramref name="line"/>; reports whether it was still following then.</summary>
    private async Task<(bool StillRunning, string Output)> FollowUntilAsync(string ns, string line)
    {
        using var process = System.Diagnostics.Process.Start(cluster.StartInfo(["logs", "-f", "talker", "-n", ns]))!;
        var output = new System.Text.StringBuilder();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } read)
            {
                output.AppendLine(read);
                if (read == line)
                {
                    return (!process.HasExited, output.ToString());
                }
            }
            return (false, output.ToString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
