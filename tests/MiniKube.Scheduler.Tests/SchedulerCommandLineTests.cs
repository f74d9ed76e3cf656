using MiniKube.Client;
using MiniKube.Scheduler.Config;
using MiniKube.Testing;
using Serilog.Events;

namespace MiniKube.Scheduler.Tests;

public sealed class SchedulerCommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sched-cl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (SchedulerOptions? Options, SchedulerConfiguration? Configuration, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = SchedulerCommandLine.CreateRootCommand().Parse(args);
        Assert.Empty(parse.Errors);
        return SchedulerCommandLine.ToOptions(parse);
    }

    [Fact]
    public void Defaults_are_kube_scheduler_s()
    {
        var (options, configuration, problems) = Parse("--server", "http://127.0.0.1:8081");
        Assert.Empty(problems);
        Assert.Same(SchedulerConfiguration.Default, configuration);
        Assert.Equal("http://127.0.0.1:8081", options!.Server);
        Assert.Null(options.ConfigFile);
        Assert.Equal(64, options.BindParallelism);
        var election = options.LeaderElection;
        Assert.Equal((true, "kube-system", "kube-scheduler"), (election.LeaderElect, election.LeaseNamespace, election.LeaseName));
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), (election.LeaseDuration, election.RenewDeadline, election.RetryPeriod));
        Assert.Equal(election.Identity, options.Identity);
        Assert.Equal(LogEventLevel.Information, SchedulerCommandLine.GetLogLevel(SchedulerCommandLine.CreateRootCommand().Parse([])));
    }

    [Fact]
    public void Every_flag_reaches_the_options()
    {
        var file = Path.Combine(_dir, "sched.yaml");
        File.WriteAllText(file, "percentageOfNodesToScore: 40\n");
        var (options, configuration, problems) = Parse("--server", "http://127.0.0.1:9999", "--config", file, "--bind-parallelism", "8",
            "--leader-elect=false", "--leader-elect-lease-duration", "30s", "--leader-elect-renew-deadline", "20s", "--leader-elect-retry-period", "500ms",
            "--leader-elect-resource-name", "sched", "--leader-elect-resource-namespace", "ops");
        Assert.Empty(problems);
        Assert.Equal(("http://127.0.0.1:9999", file, 8), (options!.Server, options.ConfigFile, options.BindParallelism));
        Assert.Equal(40, configuration!.PercentageOfNodesToScore);
        Assert.Equal(new LeaderElectionOptions
        {
            LeaderElect = false,
            LeaseName = "sched",
            LeaseNamespace = "ops",
            Identity = options.Identity,
            LeaseDuration = TimeSpan.FromSeconds(30),
            RenewDeadline = TimeSpan.FromSeconds(20),
            RetryPeriod = TimeSpan.FromMilliseconds(500),
        }, options.LeaderElection);
        Assert.Equal(LogEventLevel.Debug, SchedulerCommandLine.GetLogLevel(SchedulerCommandLine.CreateRootCommand().Parse(["-v"])));
        Assert.Equal(LogEventLevel.Warning, SchedulerCommandLine.GetLogLevel(SchedulerCommandLine.CreateRootCommand().Parse(["--log-level", "warning"])));
    }

    [Theory]
    [InlineData("--leader-elect-lease-duration=15", "--leader-elect-lease-duration \"15\" is not a duration such as 500ms, 10s or 5m")]
    [InlineData("--leader-elect-retry-period=20s", "--leader-elect-renew-deadline (10s) must be greater than --leader-elect-retry-period (20s)")]
    [InlineData("--config=/nonexistent/sched.yaml", "--config: file \"/nonexistent/sched.yaml\" does not exist")]
    [InlineData("--bind-parallelism=0", "--bind-parallelism must be at least 1 (got 0)")]
    [InlineData("--server=localhost:8081", "--server: \"localhost:8081\" is not a URL such as http://127.0.0.1:8081 (or set MINIKUBE_SERVER)")]
    [InlineData("--log-level=loud", "--log-level \"loud\" is not one of Verbose, Debug, Information, Warning, Error")]
    public void A_bad_value_is_one_problem_naming_the_flag(string flag, string problem)
    {
        var (options, configuration, problems) = flag.StartsWith("--server", StringComparison.Ordinal) ? Parse(flag) : Parse("--server", "http://127.0.0.1:8081", flag);
        Assert.Null(options);
        Assert.Null(configuration);
        Assert.Equal(problem, Assert.Single(problems));
    }

    [Fact]
    public void A_config_file_that_does_not_decode_is_one_line_with_every_path()
    {
        var file = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(file, "percentageOfNodesToScore: 101\nprofiles:\n- schedulerNam: x\n");
        var (options, _, problems) = Parse("--server", "http://127.0.0.1:8081", "--config", file);
        Assert.Null(options);
        Assert.Equal(
            $"--config {file}: invalid scheduler configuration: percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]; profiles[0].schedulerNam: unknown field",
            Assert.Single(problems));
    }

    [Fact]
    public async Task The_process_exits_2_with_one_line_on_bad_flags()
    {
        var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-scheduler", ["--leader-elect-lease-duration", "soon"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Equal("minikube-scheduler: --leader-elect-lease-duration \"soon\" is not a duration such as 500ms, 10s or 5m", stderr.Trim());

        (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-scheduler", ["--no-such-flag"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.StartsWith("minikube-scheduler: Unrecognized command or argument '--no-such-flag'", stderr.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("(see --help)", stderr.Trim(), StringComparison.Ordinal);
    }
}
