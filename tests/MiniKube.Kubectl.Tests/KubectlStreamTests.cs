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

    /// <summary>
    /// A shell loop that waits (up to 30 s) for the terminal to be 33×101: kubectl sends the size once the stream is up, so a
    /// command may start, or read its input, before the resize applies.
    /// </summary>
    private const string WaitForSize = "i=0; while [ $i -lt 300 ] && [ \"$(stty size 2>/dev/null)\" != \"33 101\" ]; do sleep 0.1; i=$((i+1)); done; ";

    [DockerFact]
    public async Task Exec_refusals_reach_kubectl_with_their_reason()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");
        await node.RunPodAsync(ns, "done", "true", restartPolicy: "Never", waitFor: "jsonpath={.status.phase}=Succeeded");

        var noSuchContainer = await cluster.RunAsync(["exec", "-i", "box", "-c", "nope", "-n", ns, "--", "cat"], stdin: "x");
        // kubectl itself refuses a completed pod; a client that asks anyway gets the kubelet's refusal on channel 3.
        var finished = await cluster.RunAsync(["exec", "done", "-n", ns, "--", "true"]);
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("v5.channel.k8s.io");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(ExecUrl(ns, "done", "command=true&stdout=true"), timeout.Token);
        var (_, status) = await ReadUntilClosedAsync(socket, timeout.Token);

        Assert.NotEqual(0, noSuchContainer.ExitCode);
        Assert.True(noSuchContainer.Stderr.Contains("container nope is not valid for pod box", StringComparison.Ordinal), noSuchContainer.Describe());
        Assert.NotEqual(0, finished.ExitCode);
        Assert.Contains("completed pod", finished.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Failure\"", status, StringComparison.Ordinal);
        Assert.Contains("is not running", status, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Exec_with_a_tty_gets_the_terminal_size_kubectl_sends()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");

        // kubectl uses a TTY only when its own stdin is a terminal: script(1) gives it one, of a known size.
        var poll = WaitForSize + "stty size; tty";
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
    public async Task Attach_streams_a_running_containers_output_and_feeds_its_stdin()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "ticker", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done");
        await node.RunPodAsync(ns, "echoer", "echo ready; while read line; do echo \"echo:$line\"; echo \"err:$line\" >&2; done", stdin: true);

        var ticks = await ReadUntilAsync(["attach", "ticker", "-c", "main", "-n", ns], null, lines => lines.Count(l => l.StartsWith("tick-", StringComparison.Ordinal)) >= 3);
        var echoed = await ReadUntilAsync(["attach", "-i", "echoer", "-n", ns], "hello\n", lines => lines.Contains("echo:hello"));
        var refused = await cluster.RunAsync(["attach", "-i", "ticker", "-n", ns]);

        Assert.True(ticks.StillRunning, "kubectl attach ended although the container still runs");
        // Attach shows what the container prints from now on, not its log so far.
        Assert.DoesNotContain("tick-0", ticks.Lines);
        Assert.True(echoed.StillRunning, "kubectl attach -i ended although the container still runs");
        Assert.DoesNotContain("ready", echoed.Lines);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(refused.Stderr.Contains("stdin", StringComparison.Ordinal), refused.Describe());
    }

    [DockerFact]
    public async Task A_tty_container_logs_and_attaches_as_one_stream()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "term", "tty; echo started; while read line; do " + WaitForSize + "echo \"got:$line $(stty size)\"; done",
            stdin: true, tty: true);
        await Eventually.WaitAsync(async () => (await cluster.RunAsync(["logs", "term", "-n", ns])).Stdout.Contains("started", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the tty container's first line in kubectl logs");

        // script(1) gives kubectl a terminal and types what it reads into it.
        var inner = $"stty rows 33 cols 101; /usr/bin/kubectl attach -it term -n {ns}";
        var attach = await ReadUntilAsync(["/usr/bin/script", "-qec", inner, "/dev/null"], "hello\n", lines => lines.Any(l => l.Contains("got:hello", StringComparison.Ordinal)), program: true);
        // The size kubectl sent on channel 4 (a resize through attach).
        Assert.Contains(attach.Lines, l => l.Contains("got:hello 33 101", StringComparison.Ordinal));
        var logs = await cluster.OkAsync("logs", "term", "-n", ns);

        Assert.True(attach.StillRunning);
        Assert.Contains("/dev/pts/", logs, StringComparison.Ordinal);
        Assert.Contains("started", logs, StringComparison.Ordinal);
        Assert.Contains("got:hello", logs, StringComparison.Ordinal);
    }

    /// <summary>Runs kubectl, optionally writing <paramref name="stdin"/> (left open), until its stdout lines satisfy <paramref name="done"/>; then stops it.</summary>
    private async Task<(bool StillRunning, IReadOnlyList<string> Lines)> ReadUntilAsync(string[] args, string? stdin, Func<IReadOnlyList<string>, bool> done,
        bool program = false)
    {
        var start = cluster.StartInfo(program ? args[1..] : args);
        if (program)
        {
            start.FileName = args[0];
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var lines = new List<string>();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                await process.StandardInput.FlushAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (done(lines))
                {
                    return (!process.HasExited, lines);
                }
            }
            Assert.Fail($"kubectl {string.Join(' ', args)} ended before the expected output; stdout: {string.Join('\n', lines)}; stderr: {await process.StandardError.ReadToEndAsync()}");
            return (false, lines);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [DockerFact]
    public async Task A_v4_client_sends_stdin_without_the_close_message()
    {
        var ns = await cluster.NewNamespaceAsync();
        await using var node = await DockerNode.StartAsync(cluster);
        await node.RunPodAsync(ns, "box");
        var url = ExecUrl(ns, "box", "command=head&command=-c&command=3&stdin=true&stdout=true&stderr=true");
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

    private Uri ExecUrl(string ns, string pod, string query) =>
        new(cluster.Server.HttpAddress.Replace("http://", "ws://", StringComparison.Ordinal) + $"/api/v1/namespaces/{ns}/pods/{pod}/exec?{query}");

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
