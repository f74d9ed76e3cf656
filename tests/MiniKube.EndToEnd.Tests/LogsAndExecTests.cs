using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary><c>minictl logs</c> and <c>minictl exec</c> through the API server to the pod's kubelet.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LogsAndExecTests(ClusterFixture cluster)
{
    [DockerFact]
    public async Task Logs_and_exec_reach_the_container_and_exec_passes_the_exit_code_through()
    {
        var name = "talk-" + Guid.NewGuid().ToString("N")[..6];
        var manifest = Path.Combine(cluster.Home, name + ".yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {name}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: minikube/busybox:1.0
                command: ["sh", "-c", "echo first line; echo second line; sleep 3600"]
            """);
        try
        {
            var create = await cluster.MinictlAsync("create", "-f", manifest);
            Assert.True(create.ExitCode == 0, create.ToString());
            await Eventually.WaitAsync(async () => await cluster.Client.GetAsync<Pod>(name), p => p.Status?.Phase == "Running", Workloads.Timeout, $"{name} to run");

            var logs = await Eventually.WaitAsync(() => cluster.MinictlAsync("logs", name, "--tail", "1"), r => r.Output.Contains("second line", StringComparison.Ordinal),
                Workloads.Timeout, "the log line");
            Assert.Equal(0, logs.ExitCode);
            Assert.Equal("second line\n", logs.Output);

            var hello = await cluster.MinictlAsync("exec", name, "-c", "app", "--", "sh", "-c", "echo hello from $(hostname)");
            Assert.Equal(0, hello.ExitCode);
            Assert.Equal($"hello from {name}\n", hello.Output);

            var failing = await cluster.MinictlAsync("exec", name, "--", "sh", "-c", "echo oops >&2; exit 3");
            Assert.Equal(3, failing.ExitCode);
            Assert.Contains("oops", failing.Error, StringComparison.Ordinal);
            Assert.Contains("command terminated with exit code 3", failing.Error, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.MinictlAsync("delete", "pod", name, "--ignore-not-found");
        }
    }
}
