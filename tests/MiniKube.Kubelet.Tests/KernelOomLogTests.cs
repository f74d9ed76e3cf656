using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>The kernel's OOM record of a real container, read the way the kubelet reads it when Docker never heard of the OOM.</summary>
public sealed class KernelOomLogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [DockerFact]
    public async Task The_kernel_log_names_a_container_killed_by_its_memory_limit_and_not_one_killed_by_a_signal()
    {
        var label = $"io.minikube.test={Guid.NewGuid():N}";
        try
        {
            var oom = await RunAsync(label, "--memory", "16m", "minikube/busybox:latest", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1");
            var killed = await RunAsync(label, "--memory", "16m", "minikube/busybox:latest", "sleep", "3600");
            await DockerCli.KillAsync(killed);
            foreach (var id in new[] { oom, killed })
            {
                await Eventually.WaitAsync(
                    async () => (await DockerCli.InspectAsync(id)).GetProperty("State").GetProperty("Status").GetString() == "exited",
                    Timeout, $"container {id} to exit");
            }

            Assert.True(KernelOomLog.Device.RecordsOomKillOf(oom), $"no oom-kill record with task_memcg naming {oom} in /dev/kmsg");
            Assert.False(KernelOomLog.Device.RecordsOomKillOf(killed), $"an oom-kill record names {killed}, which was killed with SIGKILL");
            Assert.False(new KernelOomLog("/nonexistent/kmsg").RecordsOomKillOf(oom));
        }
        finally
        {
            await DockerCli.RemoveContainersWithLabelAsync(label);
        }
    }

    private static async Task<string> RunAsync(string label, params string[] arguments) =>
        (await DockerCli.RunAsync(["run", "--detach", "--label", label, .. arguments], Timeout)).EnsureSuccess().StandardOutput.Trim();
}
