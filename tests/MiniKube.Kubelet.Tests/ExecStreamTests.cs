using System.Text;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>The gRPC ExecStream (what <c>minictl exec -i</c> uses): stdin to a Docker exec through the API server and the kubelet's WebSocket.</summary>
public sealed class ExecStreamTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Stdin_reaches_the_command_its_end_ends_it_and_the_exit_code_comes_back()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("stream");
        await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);

        var (cat, catOut, _) = await ExecAsync(name, ["cat"], "hi\nthere\n");
        var (counted, countOut, _) = await ExecAsync(name, ["wc", "-c"], new string('y', 100_000));
        var (failed, _, failErr) = await ExecAsync(name, ["sh", "-c", "read x; echo \"bad $x\" >&2; exit 4"], "input\n");
        var (noStdin, noStdinOut, _) = await ExecAsync(name, ["echo", "plain"], null);
        var missing = await Assert.ThrowsAsync<ApiException>(() => ExecAsync(name, ["true"], null, container: "nope"));

        Assert.Equal(0, cat);
        Assert.Equal("hi\nthere\n", catOut);
        Assert.Equal(0, counted);
        Assert.Equal("100000", countOut.Trim());
        Assert.Equal(4, failed);
        Assert.Equal("bad input\n", failErr);
        Assert.Equal(0, noStdin);
        Assert.Equal("plain\n", noStdinOut);
        Assert.Contains("container nope is not valid", missing.Message, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task A_session_on_a_tty_has_the_size_it_was_given_and_merges_stderr_into_stdout()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("tty");
        await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var session = ExecSession.Open(api.Client, "default", name, "app", ["sh"], tty: true);
        session.Resize(123, 45);
        session.Send("stty size; echo to-stderr >&2; exit 5\n"u8);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var code = await session.RunAsync((data, isStderr) =>
        {
            (isStderr ? stderr : stdout).Append(Encoding.UTF8.GetString(data.Span));
            return Task.CompletedTask;
        }, timeout.Token);

        Assert.Equal(5, code);
        var lines = stdout.ToString().Split("\r\n").Select(l => l.Trim()).ToList();
        Assert.Contains("45 123", lines);
        Assert.Contains("to-stderr", lines);
        Assert.Equal("", stderr.ToString());
    }

    [DockerFact]
    public async Task A_client_that_goes_away_ends_its_command_a_shell_on_a_tty_and_a_plain_process_alike()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("gone");
        await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        var pod = await env.WaitForPhaseAsync(name, PodPhase.Running);
        var container = KubeletEnvironment.ContainerId(pod, "app");

        // A shell on a TTY with a foreground child (the terminal's case: neither reads end of file), and a plain command with stdin.
        await LeaveAsync(container, ExecSession.Open(api.Client, "default", name, "app", ["sh"], tty: true), "sleep 4141", "sleep 4141\n"u8.ToArray());
        await LeaveAsync(container, ExecSession.Open(api.Client, "default", name, "app", ["sh", "-c", "sleep 4242"], tty: false), "sleep 4242", []);

        // The container itself runs on.
        Assert.Contains("sleep 3600", await ProcessesAsync(container), StringComparison.Ordinal);
    }

    /// <summary>Starts the session, waits until <paramref name="process"/> runs in the container, closes the session and waits until it does not.</summary>
    private static async Task LeaveAsync(string container, ExecSession session, string process, byte[] input)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = session.RunAsync((_, _) => Task.CompletedTask, timeout.Token);
        if (input.Length > 0)
        {
            session.Send(input);
        }
        await Eventually.WaitAsync(async () => (await ProcessesAsync(container)).Contains(process, StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            $"{process} to run in the container");
        await session.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Eventually.WaitAsync(async () => !(await ProcessesAsync(container)).Contains(process, StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            $"{process} to be gone once its client went away");
    }

    private static async Task<string> ProcessesAsync(string container) =>
        (await DockerCli.RunAsync("exec", container, "ps")).EnsureSuccess().StandardOutput;

    private async Task<(int Code, string Stdout, string Stderr)> ExecAsync(string pod, string[] command, string? stdin, string container = "app")
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var input = stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin));
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var code = await api.Client.ExecStreamAsync("default", pod, container, command, input, stdout, stderr, timeout.Token);
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }
}
