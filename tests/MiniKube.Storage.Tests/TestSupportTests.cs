using System.Diagnostics;
using System.Net.Sockets;
using MiniKube.Testing;

namespace MiniKube.Storage.Tests;

/// <summary>The test support library is only worth trusting if it can fail: these tests pin down its behaviour.</summary>
public sealed class TestSupportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EtcdServer_answers_health_and_leaves_nothing_behind_when_disposed()
    {
        var server = await EtcdServer.StartAsync();
        int pid = server.ProcessId;
        int port = server.ClientPort;
        string dataDir = server.DataDir;
        try
        {
            Assert.Equal($"http://127.0.0.1:{port}", server.ClientUrl);
            using var http = new HttpClient();
            var health = await http.GetStringAsync(new Uri(server.ClientUrl + "/health"));
            Assert.Contains("\"health\":\"true\"", health.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.True(Directory.Exists(dataDir), $"etcd data dir {dataDir} should exist while it runs");
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(IsRunning(pid), $"etcd pid {pid} still running after dispose");
        Assert.False(FreePort.IsListening(port), $"port {port} still accepts connections after dispose");
        Assert.False(Directory.Exists(dataDir), $"data dir {dataDir} not deleted");
        await server.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Two_private_etcd_servers_do_not_share_ports_or_data()
    {
        await using var a = await EtcdServer.StartAsync();
        await using var b = await EtcdServer.StartAsync();
        Assert.NotEqual(a.ClientPort, b.ClientPort);
        Assert.NotEqual(a.DataDir, b.DataDir);
    }

    [Fact]
    public async Task SharedEtcd_is_healthy_and_prefixes_are_unique()
    {
        var endpoint = await SharedEtcd.GetEndpointAsync();
        using var http = new HttpClient();
        var health = await http.GetStringAsync(new Uri(endpoint.TrimEnd('/') + "/health"));
        Assert.Contains("\"health\":\"true\"", health.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var prefixes = Enumerable.Range(0, 1000).Select(_ => SharedEtcd.NewPrefix()).ToHashSet();
        Assert.Equal(1000, prefixes.Count);
        Assert.All(prefixes, p => Assert.Matches("^/t-[0-9a-f]{8}$", p));
    }

    [Fact]
    public void FreePort_returns_a_bindable_loopback_port()
    {
        var port = FreePort.Get();
        Assert.InRange(port, 1024, 65535);
        var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        try
        {
            Assert.True(FreePort.IsListening(port));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Eventually_returns_the_first_accepted_value()
    {
        var calls = 0;
        var value = await Eventually.WaitAsync(
            () => Task.FromResult(++calls), v => v >= 3, Timeout, "three calls");
        Assert.Equal(3, value);

        var text = await Eventually.WaitAsync(
            () => Task.FromResult(calls++ < 5 ? null : "ready"), Timeout, "a non-null value");
        Assert.Equal("ready", text);
    }

    [Fact]
    public async Task Eventually_times_out_naming_what_it_awaited_and_the_last_value()
    {
        var clock = Stopwatch.StartNew();
        var calls = 0;
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.WaitAsync(
            () => Task.FromResult(++calls), v => v < 0, TimeSpan.FromSeconds(2), "a negative counter"));

        Assert.Contains("waiting for a negative counter", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"last observed: {calls}", ex.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.True(calls > 2, $"expected repeated polling, got {calls} calls");
    }

    [Fact]
    public async Task Eventually_reports_the_last_probe_error_and_bounds_a_hanging_probe()
    {
        var failing = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.WaitAsync(
            () => Task.FromException<bool>(new InvalidOperationException("pod not found")),
            TimeSpan.FromMilliseconds(200), "the pod"));
        Assert.Contains("pod not found", failing.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(failing.InnerException);

        var clock = Stopwatch.StartNew();
        var hanging = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.WaitAsync(
            () => new TaskCompletionSource<bool>().Task, TimeSpan.FromMilliseconds(200), "a probe that never answers"));
        Assert.Contains("did not complete", hanging.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"hanging probe held the wait for {clock.Elapsed}");
    }

    [DockerFact]
    public async Task Local_images_exist_and_busybox_versions_differ()
    {
        foreach (var image in new[] { "minikube/pause:latest", "minikube/busybox:latest", "minikube/busybox:1.0", "minikube/busybox:2.0" })
        {
            Assert.True(await DockerCli.ImageExistsAsync(image), $"{image} missing: run deploy/images/build.sh");
        }

        var v1 = (await DockerCli.InspectAsync("minikube/busybox:1.0")).GetProperty("Id").GetString();
        var v2 = (await DockerCli.InspectAsync("minikube/busybox:2.0")).GetProperty("Id").GetString();
        var latest = (await DockerCli.InspectAsync("minikube/busybox:latest")).GetProperty("Id").GetString();
        Assert.NotEqual(v1, v2);
        Assert.Equal(v1, latest);
    }

    [DockerFact]
    public async Task Busybox_container_runs_a_shell_command()
    {
        var label = $"io.minikube.test={Guid.NewGuid():N}";
        try
        {
            var result = await DockerCli.RunAsync(
                ["run", "--rm", "--label", label, "minikube/busybox:latest", "sh", "-c", "echo hi"], Timeout);
            result.EnsureSuccess();
            Assert.Equal("hi", result.StandardOutput.Trim());
        }
        finally
        {
            await DockerCli.RemoveContainersWithLabelAsync(label);
        }
    }

    [DockerFact]
    public async Task Pause_container_blocks_and_stops_promptly_on_SIGTERM()
    {
        var label = $"io.minikube.test={Guid.NewGuid():N}";
        try
        {
            var id = (await DockerCli.RunAsync(["run", "--detach", "--label", label, "minikube/pause:latest"], Timeout))
                .EnsureSuccess().StandardOutput.Trim();
            Assert.Equal([id], await DockerCli.ListContainersAsync(label));

            // Still running after its first loop iteration would have ended if it did not block.
            await Eventually.WaitAsync(
                async () => (await DockerCli.InspectAsync(id)).GetProperty("State").GetProperty("Running").GetBoolean(),
                Timeout, "the pause container to be running");

            var clock = Stopwatch.StartNew();
            (await DockerCli.RunAsync(["stop", "--time", "5", id], Timeout)).EnsureSuccess();
            // Ignoring SIGTERM would cost the full 5 s grace period before Docker's SIGKILL.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"docker stop took {clock.Elapsed.TotalSeconds:0.0} s");
            var state = (await DockerCli.InspectAsync(id)).GetProperty("State");
            Assert.Equal(0, state.GetProperty("ExitCode").GetInt32());
        }
        finally
        {
            await DockerCli.RemoveContainersWithLabelAsync(label);
        }

        Assert.Empty(await DockerCli.ListContainersAsync(label));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
