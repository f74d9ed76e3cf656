using System.Diagnostics;
using System.Text.RegularExpressions;
using MiniKube.Kubelet;
using MiniKube.Testing;
using Xunit.Abstractions;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// <c>kubectl port-forward</c> through the API server to a busybox httpd pod on a real kubelet and Docker: over the WebSocket
/// tunnel kubectl 1.32 asks for first, and over the legacy SPDY upgrade it falls back to.
/// </summary>
public sealed partial class KubectlPortForwardTests(KubectlCluster cluster, ITestOutputHelper output) : IClassFixture<KubectlCluster>
{
    [DockerFact]
    public async Task Port_forward_carries_http_requests_to_the_pod()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var dockerNode = await DockerNode.StartAsync(cluster, "portfwd");
        var node = dockerNode.Name;
        var pod = Manifests.Pod("web").Replace("""command: ["sleep", "3600"]""",
            """command: ["sh", "-c", "mkdir -p /www && echo hello-from-the-pod > /www/index.html && yes 0123456789abcdef | head -c 4194304 > /www/big && exec httpd -f -p 80 -h /www"]""", StringComparison.Ordinal)
            + $"\n  nodeName: {node}\n  terminationGracePeriodSeconds: 0\n";
        try
        {
            await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("web.yaml", pod));
            await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/web", "--timeout=60s");

            // kubectl 1.32 tunnels SPDY through a WebSocket by default; two connections in a row through one forward.
            await using (var forward = await PortForward.StartAsync(cluster, ["port-forward", "-v=7", "-n", ns, "pod/web", ":80"]))
            {
                Assert.Equal("hello-from-the-pod\n", await GetAsync(forward.LocalPort, forward));
                Assert.Equal("hello-from-the-pod\n", await GetAsync(forward.LocalPort, forward));
                // 4 MiB: many DATA frames and far more than SPDY's 64 KiB initial window, which kubectl never updates.
                var started = Stopwatch.GetTimestamp();
                var big = await GetAsync(forward.LocalPort, forward, "/big");
                var elapsed = Stopwatch.GetElapsedTime(started);
                output.WriteLine($"4 MiB through kubectl port-forward in {elapsed.TotalMilliseconds:0} ms");
                Assert.Equal(4 * 1024 * 1024, big.Length);
                Assert.Equal(string.Concat(Enumerable.Repeat("0123456789abcdef\n", 4 * 1024 * 1024 / 17 + 1))[..(4 * 1024 * 1024)], big);
                Assert.False(forward.HasExited, "kubectl port-forward ended after three requests: " + forward.Output);
                Assert.Contains("Sec-Websocket-Protocol: SPDY/3.1+portforward.k8s.io", forward.Output, StringComparison.Ordinal);
            }

            // The legacy upgrade (Upgrade: SPDY/3.1) that kubectl uses when WebSockets are switched off.
            await using (var legacy = await PortForward.StartAsync(cluster, ["port-forward", "-v=7", "-n", ns, "pod/web", ":80"],
                new Dictionary<string, string> { ["KUBECTL_PORT_FORWARD_WEBSOCKETS"] = "false" }))
            {
                Assert.Equal("hello-from-the-pod\n", await GetAsync(legacy.LocalPort, legacy));
                Assert.Contains("X-Stream-Protocol-Version: portforward.k8s.io", legacy.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("Sec-Websocket-Protocol", legacy.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            await cluster.RunAsync(["delete", "pod", "web", "-n", ns, "--grace-period=0", "--wait=true", "--timeout=60s"]);
        }
    }

    [Fact]
    public async Task Port_forward_to_a_pod_without_a_reachable_ip_fails_with_the_reason()
    {
        var ns = await cluster.NewNamespaceAsync();
        // The fixture's fake kubelet runs pods with made-up IPs (10.244.x.y) that no network of this machine holds.
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("hollow.yaml", Manifests.Pod("hollow") + $"\n  nodeName: {KubectlCluster.Node}\n"));
        await cluster.OkAsync("wait", "-n", ns, "--for=jsonpath={.status.phase}=Running", "pod/hollow", "--timeout=60s");

        var result = await cluster.RunAsync(["port-forward", "-n", ns, "pod/hollow", ":80"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("which is on no network of this machine", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A GET through the forward on a fresh connection (busybox httpd closes every connection after its answer).</summary>
    private static async Task<string> GetAsync(int port, PortForward forward, string path = "/")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException($"GET through the forward failed ({ex.Message}); kubectl said: {forward.Output}", ex);
        }
    }

    /// <summary>A running <c>kubectl port-forward</c>, killed on dispose.</summary>
    private sealed partial class PortForward : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private PortForward(Process process) => _process = process;

        public int LocalPort { get; private set; }

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<PortForward> StartAsync(KubectlCluster cluster, string[] args, IDictionary<string, string>? environment = null)
        {
            var forward = new PortForward(Process.Start(cluster.StartInfo(args, environment))!);
            try
            {
                _ = forward.CollectAsync(forward._process.StandardError);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (await forward._process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    forward.Append(line);
                    if (ForwardingLine().Match(line) is { Success: true } match)
                    {
                        forward.LocalPort = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                        _ = forward.CollectAsync(forward._process.StandardOutput);
                        return forward;
                    }
                }
                await forward._process.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited {forward._process.ExitCode} before forwarding: {forward.Output}");
            }
            catch
            {
                await forward.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private async Task CollectAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                Append(line);
            }
        }

        private void Append(string line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }

        [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) -> 80$")]
        private static partial Regex ForwardingLine();
    }
}
