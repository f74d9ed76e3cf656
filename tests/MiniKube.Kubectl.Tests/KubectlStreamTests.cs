using System.Net.WebSockets;
using System.Text;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>kubectl exec with stdin (and a TTY), cp and attach through the API server to a real kubelet running Docker containers.</summary>
public sealed class KubectlStreamTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [DockerFact]
    public async Task Exec_with_stdin_relays_the_input_and_its_end_to_the_process()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");

        var cat = await cluster.RunAsync(["exec", "-i", "box", "-n", ns, "--", "cat"], stdin: "hi\n");
        var big = new string('x', 300_000) + "\n";
        var count = await cluster.RunAsync(["exec", "-i", "box", "-n", ns, "--", "wc", "-c"], stdin: big);
        var exit = await cluster.RunAsync(["exec", "-i", "box", "-n", ns, "--", "sh", "-c", "read line; echo \"got $line\" >&2; exit 7"], stdin: "seven\n");
        var noInput = await cluster.RunAsync(["exec", "-i", "box", "-n", ns, "--", "cat"], stdin: "");

        Assert.True(cat.ExitCode == 0, cat.Describe());
        Assert.Equal("hi\n", cat.Stdout);
        Assert.True(count.ExitCode == 0, count.Describe());
        Assert.Equal("300001", count.Stdout.Trim());
        Assert.Equal(7, exit.ExitCode);
        Assert.Contains("got seven", exit.Stderr, StringComparison.Ordinal);
        Assert.True(noInput.ExitCode == 0, noInput.Describe());
        Assert.Equal("", noInput.Stdout);
    }

    [DockerFact]
    public async Task Exec_with_a_tty_gets_the_terminal_size_kubectl_sends()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");

        // kubectl uses a TTY only when its own stdin is a terminal: script(1) gives it one, of a known size. kubectl sends
        // the size once the stream is up, so the command may start before it applies: it polls (up to 30 s) for it.
        var poll = "i=0; while [ $i -lt 300 ] && [ \"$(stty size 2>/dev/null)\" != \"33 101\" ]; do sleep 0.1; i=$((i+1)); done; stty size; tty";
        var inner = $"stty rows 33 cols 101; /usr/bin/kubectl exec -it box -n {ns} -- sh -c '{poll}'";
        var run = await cluster.RunProgramAsync("/usr/bin/script", ["-qec", inner, "/dev/null"]);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("33 101", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("/dev/pts/", run.Stdout, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Cp_copies_files_and_directories_to_and_from_a_pod()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");
        var local = Path.Combine(cluster.Home, "cp-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(local, "dir", "sub"));
        var payload = new byte[200_000];
        new Random(12).NextBytes(payload);
        await File.WriteAllBytesAsync(Path.Combine(local, "blob.bin"), payload);
        await File.WriteAllTextAsync(Path.Combine(local, "dir", "a.txt"), "alpha\n");
        await File.WriteAllTextAsync(Path.Combine(local, "dir", "sub", "b.txt"), "beta\n");

        var toPod = await cluster.RunAsync(["cp", Path.Combine(local, "blob.bin"), $"{ns}/box:/tmp/blob.bin"]);
        var dirToPod = await cluster.RunAsync(["cp", Path.Combine(local, "dir"), $"{ns}/box:/tmp/dir"]);
        var inPod = await cluster.RunAsync(["exec", "box", "-n", ns, "--", "sh", "-c", "wc -c < /tmp/blob.bin; cat /tmp/dir/a.txt /tmp/dir/sub/b.txt"]);
        await cluster.OkAsync("exec", "box", "-n", ns, "--", "sh", "-c", "mkdir -p /tmp/made/x && echo gamma > /tmp/made/x/c.txt");
        var back = Path.Combine(local, "back.bin");
        var fromPod = await cluster.RunAsync(["cp", $"{ns}/box:/tmp/blob.bin", back]);
        var dirBack = Path.Combine(local, "made");
        var dirFromPod = await cluster.RunAsync(["cp", $"{ns}/box:/tmp/made", dirBack]);

        Assert.True(toPod.ExitCode == 0, toPod.Describe());
        Assert.True(dirToPod.ExitCode == 0, dirToPod.Describe());
        Assert.True(inPod.ExitCode == 0, inPod.Describe());
        Assert.Equal("200000\nalpha\nbeta\n", inPod.Stdout);
        Assert.True(fromPod.ExitCode == 0, fromPod.Describe());
        Assert.Equal(payload, await File.ReadAllBytesAsync(back));
        Assert.True(dirFromPod.ExitCode == 0, dirFromPod.Describe());
        Assert.Equal("gamma\n", await File.ReadAllTextAsync(Path.Combine(dirBack, "x", "c.txt")));
    }

    [DockerFact]
    public async Task A_v4_client_sends_stdin_without_the_close_message()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");
        var url = new Uri(cluster.Server.HttpAddress.Replace("http://", "ws://", StringComparison.Ordinal)
            + $"/api/v1/namespaces/{ns}/pods/box/exec?command=head&command=-c&command=3&stdin=true&stdout=true&stderr=true");
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("v4.channel.k8s.io");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(url, timeout.Token);

        await socket.SendAsync(new byte[] { 0, (byte)'a', (byte)'b', (byte)'c' }, WebSocketMessageType.Binary, true, timeout.Token);
        var (stdout, status) = await ReadUntilClosedAsync(socket, timeout.Token);

        Assert.Equal("v4.channel.k8s.io", socket.SubProtocol);
        Assert.Equal("abc", stdout);
        Assert.Contains("\"status\":\"Success\"", status, StringComparison.Ordinal);
    }

    private static async Task<(string Stdout, string Status)> ReadUntilClosedAsync(WebSocket socket, CancellationToken ct)
    {
        var stdout = new StringBuilder();
        var status = "";
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                return (stdout.ToString(), status);
            }
            Assert.True(result.EndOfMessage, "the server split a message");
            var text = Encoding.UTF8.GetString(buffer, 1, result.Count - 1);
            switch (buffer[0])
            {
                case 1:
                    stdout.Append(text);
                    break;
                case 3:
                    status = text;
                    break;
            }
        }
    }
}
