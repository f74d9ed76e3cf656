using System.Text.RegularExpressions;
using MiniKube.Cli.ClusterView;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary>The generic start machinery with plain shell "components": readiness, retries, failures and their messages.</summary>
public sealed class ComponentStarterTests : IDisposable
{
    private readonly TempHome _home = new();
    private readonly StringWriter _progress = new() { NewLine = "\n" };
    private readonly List<ComponentRecord> _started = [];

    private ClusterStateRecorder Recorder { get; }

    public ComponentStarterTests()
    {
        Recorder = new ClusterStateRecorder(new ClusterStateStore(_home.Home),
            new ClusterState { Name = "t", Nodes = 1, BinDirectory = "/b", ApiGrpcPort = 1, ApiHttpPort = 2 });
    }

    private ComponentSpec Spec(string script, string readyLine = "ready") => new()
    {
        Name = "fake",
        Role = "fake",
        Command = ["/bin/sh", "-c", script],
        LogFile = Path.Combine(_home.Directory, "fake.log"),
        Readiness = new LogLineCheck(new Regex(readyLine), "it says so"),
        Health = RunningCheck.Instance,
        Environment = new Dictionary<string, string> { ["FAKE_SETTING"] = "from-spec", ["HOME_SETTING"] = "from-spec" },
    };

    private async Task<bool> EnsureAsync(ComponentSpec spec, TimeSpan wait, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        using var probes = new ProbeContext("http://127.0.0.1:1");
        var environment = (string name) => name == "HOME_SETTING" ? "from-minictl" : null;
        var starter = new ComponentStarter(Recorder, probes, environment, new PlainProgress(_progress), clock,
            clock.GetUtcNow() + wait, wait);
        try
        {
            return await starter.EnsureAsync(spec, CancellationToken.None);
        }
        finally
        {
            if (Recorder.Current.Find(spec.Name) is { } record)
            {
                _started.Add(record);
            }
        }
    }

    [Fact]
    public async Task A_component_is_ready_when_its_probe_passes_and_is_recorded_with_its_environment()
    {
        var spec = Spec("echo \"ready [$FAKE_SETTING] [$HOME_SETTING]\"; exec sleep 60");
        Assert.True(await EnsureAsync(spec, TimeSpan.FromSeconds(20)));
        var record = Recorder.Current.Find("fake")!;
        Assert.True(ProcFs.IsAlive(record.Pid, record.StartTicks));
        Assert.Equal(spec.Command, record.Command);
        Assert.Equal(record.Pid, new ClusterStateStore(_home.Home).Load()!.Find("fake")!.Pid);
        // The spec's settings apply unless minictl's environment has its own (which the process then inherits from minictl).
        Assert.Contains("ready [from-spec] []", File.ReadAllText(spec.LogFile), StringComparison.Ordinal);
        Assert.Matches(@"✓ fake: ready in [0-9.]+ s \(pid \d+\)", _progress.ToString());

        // Running already: only its health is checked, nothing is started.
        Assert.False(await EnsureAsync(spec, TimeSpan.FromSeconds(20)));
        Assert.Equal(record.Pid, Recorder.Current.Find("fake")!.Pid);
    }

    [Fact]
    public async Task A_component_that_exits_while_starting_is_started_again()
    {
        var counter = Path.Combine(_home.Directory, "attempts");
        var spec = Spec($"n=$(cat {counter} 2>/dev/null || echo 0); echo $((n + 1)) > {counter}; "
            + "if [ \"$n\" -lt 2 ]; then echo \"attempt $n fails\"; exit 3; fi; echo ready; exec sleep 60");
        Assert.True(await EnsureAsync(spec, TimeSpan.FromSeconds(30)));
        Assert.Equal("3", File.ReadAllText(counter).Trim());
        Assert.Contains("after 2 restarts", _progress.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, Regex.Matches(File.ReadAllText(spec.LogFile), "^==== .* minictl cluster up: /bin/sh", RegexOptions.Multiline).Count);
    }

    [Fact]
    public async Task A_component_that_keeps_exiting_fails_with_its_crash_quoted_from_the_first_line()
    {
        var spec = Spec("echo noise; echo 'Unhandled exception: System.Exception: the reason'; echo '   at Somewhere()'; exit 3");
        var error = await Assert.ThrowsAsync<ClusterException>(() => EnsureAsync(spec, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("fake exited with code 3 before it was ready (attempt 3 of 3); the last lines of ", error.Message, StringComparison.Ordinal);
        Assert.Contains("\n    Unhandled exception: System.Exception: the reason\n       at Somewhere()\n", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("noise", error.Message, StringComparison.Ordinal);
        Assert.Contains("✗ fake: exited with code 3", _progress.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_that_never_gets_ready_fails_at_the_deadline_and_keeps_running()
    {
        var spec = Spec("echo 'still warming up'; exec sleep 60");
        // The deadline is on a fake clock, passed only once the process has said what the error must quote: on a busy
        // machine a real 1 s deadline can pass before the shell has even written its line.
        var clock = new TimerClock();
        var ensure = EnsureAsync(spec, TimeSpan.FromSeconds(1), clock);
        // The line itself, not the log's header that quotes the command.
        await Eventually.WaitAsync(() => Task.FromResult(File.Exists(spec.LogFile) && File.ReadAllLines(spec.LogFile).Contains("still warming up")),
            TimeSpan.FromSeconds(20), "the component's first line");
        Assert.False(ensure.IsCompleted, "gave up before its deadline");
        // The starter may create its deadline timer after this point on a loaded machine (a single advance could then come
        // before the timer and never fire it): keep moving the fake clock, in 1 s steps, until it gives up, for at most 20 s.
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!ensure.IsCompleted && DateTime.UtcNow < giveUp)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(ensure, Task.Delay(50));
        }
        var error = await Assert.ThrowsAsync<ClusterException>(() => ensure);
        Assert.StartsWith("fake not ready after 1 s (waiting until it says so)", error.Message, StringComparison.Ordinal);
        Assert.Contains("still warming up", error.Message, StringComparison.Ordinal);
        var record = Recorder.Current.Find("fake")!;
        Assert.True(ProcFs.IsAlive(record.Pid, record.StartTicks), "what did start keeps running (cluster down stops it)");
    }

    [Fact]
    public void The_build_script_for_the_images_ships_next_to_minictl()
    {
        var script = LocalImages.FindBuildScript(AppContext.BaseDirectory);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "images", "build.sh"), script);
        Assert.Contains("docker import", File.ReadAllText(script!), StringComparison.Ordinal);
        Assert.Null(LocalImages.FindBuildScript("/nonexistent"));
    }

    public void Dispose()
    {
        foreach (var record in _started)
        {
            DetachedProcess.KillNow(record.Pid, record.StartTicks);
        }
        _home.Dispose();
    }
}
