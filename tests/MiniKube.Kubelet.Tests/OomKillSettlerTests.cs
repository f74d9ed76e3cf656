using Docker.DotNet.Models;
using MiniKube.Kubelet;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// Docker (cgroup v1) can show a container's exit before it records that the memory limit caused it. These tests feed
/// the runtime's inspection exactly that order through a fake engine and check the status the kubelet would report.
/// </summary>
public sealed class OomKillSettlerTests
{
    private const long Limit16Mi = 16L * 1024 * 1024;

    /// <summary>Engine answers in order (the last one repeats), and the pauses the settler asked for.</summary>
    private sealed class FakeEngine(params ContainerInspectResponse[] answers)
    {
        private int _next;

        public List<TimeSpan> Pauses { get; } = [];

        public int Inspections => _next;

        public Action? OnPause { get; set; }

        public OomKillSettler Settler(Func<string, bool>? kernelRecordsOomKill = null) => new((delay, _) =>
        {
            Pauses.Add(delay);
            OnPause?.Invoke();
            return Task.CompletedTask;
        }, kernelRecordsOomKill);

        public DockerRuntime Runtime(OomKillSettler settler) =>
            new(new Uri("unix:///nonexistent/docker.sock"), "n1", TimeSpan.FromSeconds(1), settler, (id, _) =>
            {
                Assert.Equal("c1", id);
                var answer = answers[Math.Min(_next, answers.Length - 1)];
                _next++;
                return Task.FromResult(answer);
            });
    }

    private static ContainerInspectResponse Exited(int exitCode, bool oomKilled, long memoryLimit = Limit16Mi) => new()
    {
        ID = "c1",
        Created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        Image = "sha256:abc",
        Config = new() { Image = "busybox", Labels = ContainerLabels.ForContainer("n1", "default", "p", "uid-1", "app", 0, "s1", "h") },
        HostConfig = new HostConfig { Memory = memoryLimit },
        State = new()
        {
            Status = "exited",
            ExitCode = exitCode,
            OOMKilled = oomKilled,
            StartedAt = "2026-01-01T00:00:01Z",
            FinishedAt = "2026-01-01T00:00:02Z",
        },
    };

    private static string Reason(RuntimeContainer? c) => PodStatusBuilder.Terminated(c ?? throw new InvalidOperationException("container gone")).Reason!;

    [Fact]
    public async Task An_exit_seen_before_Docker_records_the_OOM_is_reported_as_OOMKilled()
    {
        var engine = new FakeEngine(Exited(137, oomKilled: false), Exited(137, oomKilled: false), Exited(137, oomKilled: false), Exited(137, oomKilled: true));
        await using var runtime = engine.Runtime(engine.Settler());

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal(("OOMKilled", 137), (Reason(container), container!.ExitCode));
        Assert.Equal(4, engine.Inspections);
        Assert.Equal([OomKillSettler.Step, OomKillSettler.Step, OomKillSettler.Step], engine.Pauses);
    }

    [Fact]
    public async Task An_oom_event_during_the_wait_settles_the_exit_as_OOMKilled()
    {
        // Docker's flag never turns true here; its oom event for the container is enough.
        var engine = new FakeEngine(Exited(137, oomKilled: false));
        var settler = engine.Settler();
        engine.OnPause = () =>
        {
            if (engine.Pauses.Count == 2)
            {
                settler.OomReported("c1");
            }
        };
        await using var runtime = engine.Runtime(settler);

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal("OOMKilled", Reason(container));
        Assert.Equal(3, engine.Inspections);
    }

    [Fact]
    public void An_oom_event_after_the_exit_was_reported_changes_later_reports()
    {
        var settler = new OomKillSettler((_, _) => Task.CompletedTask);
        var reported = new RuntimeContainer { Id = "c1", PodUid = "u", State = RuntimeContainerState.Exited, ExitCode = 137 };
        Assert.Equal("Error", Reason(settler.Apply(reported)));

        settler.OomReported("c1");

        Assert.Equal("OOMKilled", Reason(settler.Apply(reported)));
        Assert.Equal("Error", Reason(settler.Apply(reported with { Id = "c2" })));
        settler.Forget("c1");
        Assert.Equal("Error", Reason(settler.Apply(reported)));
    }

    [Fact]
    public async Task The_wait_for_an_OOM_flag_that_never_comes_is_bounded()
    {
        var engine = new FakeEngine(Exited(137, oomKilled: false));
        await using var runtime = engine.Runtime(engine.Settler());

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal(("Error", 137), (Reason(container), container!.ExitCode));
        Assert.Equal(OomKillSettler.MaxAttempts, engine.Pauses.Count);
        Assert.Equal(OomKillSettler.MaxAttempts + 1, engine.Inspections);
        Assert.InRange(engine.Pauses.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData(137, 0L)]      // SIGKILL, but no memory limit: cannot be the limit's OOM kill
    [InlineData(1, Limit16Mi)] // an ordinary failure
    [InlineData(0, Limit16Mi)] // success
    public async Task Exits_that_cannot_be_an_OOM_kill_are_reported_at_once(int exitCode, long memoryLimit)
    {
        var engine = new FakeEngine(Exited(exitCode, oomKilled: false, memoryLimit), Exited(exitCode, oomKilled: true, memoryLimit));
        await using var runtime = engine.Runtime(engine.Settler());

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal(exitCode == 0 ? "Completed" : "Error", Reason(container));
        Assert.Equal(1, engine.Inspections);
        Assert.Empty(engine.Pauses);
    }

    [Fact]
    public async Task A_container_the_kubelet_stopped_itself_is_not_waited_for()
    {
        var engine = new FakeEngine(Exited(137, oomKilled: false));
        var settler = engine.Settler();
        settler.StopRequested("c1");
        await using var runtime = engine.Runtime(settler);

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal("Error", Reason(container));
        Assert.Equal(1, engine.Inspections);
        Assert.Empty(engine.Pauses);
    }

    [Fact]
    public async Task A_second_look_at_a_settled_exit_does_not_wait()
    {
        var engine = new FakeEngine(Exited(137, oomKilled: false), Exited(137, oomKilled: true));
        await using var runtime = engine.Runtime(engine.Settler());

        Assert.Equal("OOMKilled", Reason(await runtime.InspectContainerAsync("c1", CancellationToken.None)));
        Assert.Single(engine.Pauses);
        Assert.Equal("OOMKilled", Reason(await runtime.InspectContainerAsync("c1", CancellationToken.None)));
        Assert.Equal((3, 1), (engine.Inspections, engine.Pauses.Count));
    }

    [Fact]
    public async Task When_Docker_never_hears_of_the_OOM_the_kernel_log_settles_it_at_once()
    {
        // cgroup v1: the shim dropped the OOM notification because the cgroup was gone; Docker's flag stays false for ever.
        var engine = new FakeEngine(Exited(137, oomKilled: false));
        var asked = new List<string>();
        await using var runtime = engine.Runtime(engine.Settler(id =>
        {
            asked.Add(id);
            return id == "c1";
        }));

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal(("OOMKilled", 137), (Reason(container), container!.ExitCode));
        Assert.Equal((1, 0), (engine.Inspections, engine.Pauses.Count));
        Assert.Equal(["c1"], asked);
    }

    [Fact]
    public async Task The_kernel_log_is_asked_again_when_the_wait_runs_out()
    {
        var engine = new FakeEngine(Exited(137, oomKilled: false));
        var asked = 0;
        await using var runtime = engine.Runtime(engine.Settler(_ => ++asked == 2));

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal("OOMKilled", Reason(container));
        Assert.Equal(2, asked);
        Assert.Equal(OomKillSettler.MaxAttempts, engine.Pauses.Count);
    }

    [Theory]
    [InlineData(137, 0L)]
    [InlineData(1, Limit16Mi)]
    [InlineData(0, Limit16Mi)]
    public async Task The_kernel_log_is_not_read_for_exits_that_cannot_be_an_OOM_kill(int exitCode, long memoryLimit)
    {
        var engine = new FakeEngine(Exited(exitCode, oomKilled: false, memoryLimit));
        await using var runtime = engine.Runtime(engine.Settler(_ => throw new InvalidOperationException("the kernel log was read")));

        var container = await runtime.InspectContainerAsync("c1", CancellationToken.None);

        Assert.Equal(exitCode == 0 ? "Completed" : "Error", Reason(container));
    }

    [Theory]
    [InlineData("6,1203,334239224,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=abc,mems_allowed=0,oom_memcg=/docker/abc,task_memcg=/docker/abc,task=dd,pid=7979,uid=0\n", "/docker/abc")]
    [InlineData("6,9,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/system.slice/docker-abc.scope", "/system.slice/docker-abc.scope")]
    [InlineData("3,1204,334239252,-;Memory cgroup out of memory: Killed process 7979 (dd) total-vm:67804kB\n", null)]
    [InlineData("4,1202,334218140,-;dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n", null)]
    [InlineData("6,1,2,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null)\n", null)]
    [InlineData("", null)]
    public void Kernel_log_records_of_OOM_kills_name_the_task_cgroup(string record, string? cgroup)
    {
        Assert.Equal(cgroup, KernelOomLog.TaskCgroupOfOomKill(record));
    }
}
