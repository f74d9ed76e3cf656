using System.CommandLine;
using MiniKube.Client;

namespace MiniKube.Client.Tests;

public sealed class LeaderElectionFlagsTests
{
    private static (bool Enabled, LeaderElectionOptions Options, List<string> Problems) Bind(params string[] args)
    {
        var flags = new LeaderElectionFlags("kube-scheduler");
        var root = new RootCommand();
        foreach (var option in flags.All)
        {
            root.Options.Add(option);
        }
        var parse = root.Parse(args);
        Assert.Empty(parse.Errors);
        var problems = new List<string>();
        var options = flags.Bind(parse, problems);
        return (options.LeaderElect, options, problems);
    }

    [Fact]
    public void Defaults_are_kubernetes()
    {
        var (enabled, options, problems) = Bind();
        Assert.Empty(problems);
        Assert.True(enabled);
        Assert.Equal("kube-scheduler", options.LeaseName);
        Assert.Equal("kube-system", options.LeaseNamespace);
        Assert.Equal(TimeSpan.FromSeconds(15), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RetryPeriod);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Flags_take_kubernetes_names_and_go_durations()
    {
        var (enabled, options, problems) = Bind("--leader-elect=false", "--leader-elect-lease-duration", "1m30s",
            "--leader-elect-renew-deadline", "20s", "--leader-elect-retry-period", "500ms",
            "--leader-elect-resource-name", "other", "--leader-elect-resource-namespace", "ns");
        Assert.Empty(problems);
        Assert.False(enabled);
        Assert.Equal(new LeaderElectionOptions
        {
            LeaderElect = false,
            LeaseName = "other",
            LeaseNamespace = "ns",
            Identity = options.Identity,
            LeaseDuration = TimeSpan.FromSeconds(90),
            RenewDeadline = TimeSpan.FromSeconds(20),
            RetryPeriod = TimeSpan.FromMilliseconds(500),
        }, options);
    }

    [Theory]
    [InlineData("--leader-elect-lease-duration", "15")]
    [InlineData("--leader-elect-renew-deadline", "10x")]
    [InlineData("--leader-elect-retry-period", "")]
    public void A_value_that_is_not_a_go_duration_is_one_problem_naming_the_flag(string flag, string value)
    {
        var (_, _, problems) = Bind(flag, value);
        Assert.Equal($"{flag} \"{value}\" is not a duration such as 500ms, 10s or 5m", Assert.Single(problems));
    }

    [Fact]
    public void The_identity_is_the_flag_when_given()
    {
        Assert.Equal("scheduler-2", Bind("--leader-elect-identity", "scheduler-2").Options.Identity);
        Assert.StartsWith(Environment.MachineName + "_", Bind().Options.Identity, StringComparison.Ordinal);
    }
}
