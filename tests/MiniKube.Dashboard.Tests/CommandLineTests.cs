using System.Net;

namespace MiniKube.Dashboard.Tests;

public sealed class CommandLineTests
{
    private static (DashboardOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args) =>
        DashboardCommandLine.ToOptions(DashboardCommandLine.CreateRootCommand().Parse(args), _ => null);

    [Fact]
    public void Defaults_listen_on_loopback()
    {
        var (options, problems) = Parse("--server", "http://127.0.0.1:9000");
        Assert.Empty(problems);
        Assert.Equal(IPAddress.Loopback, options!.ListenAddress);
        Assert.Equal(DashboardOptions.DefaultPort, options.ListenPort);
        Assert.Equal("http://127.0.0.1:9000", options.Server);
    }

    [Fact]
    public void Listen_takes_host_and_port()
    {
        var (options, _) = Parse("--server", "http://127.0.0.1:9000", "--listen", "127.0.0.1:0");
        Assert.Equal(0, options!.ListenPort);
        var (v6, _) = Parse("--listen", "[::1]:8123");
        Assert.Equal(IPAddress.IPv6Loopback, v6!.ListenAddress);
        Assert.Equal(8123, v6.ListenPort);
    }

    [Theory]
    [InlineData("--listen", "nonsense")]
    [InlineData("--listen", "127.0.0.1:99999")]
    [InlineData("--listen", "my-host:80")]
    [InlineData("--server", "not a url")]
    [InlineData("--log-level", "Loud")]
    [InlineData("--metrics-period", "often")]
    [InlineData("--metrics-period", "15")]
    [InlineData("--metrics-period", "10ms")]
    [InlineData("--metrics-period", "1h")]
    public void Bad_flags_say_which_flag(string flag, string value)
    {
        var (options, problems) = Parse(flag, value);
        Assert.Null(options);
        var problem = Assert.Single(problems);
        Assert.StartsWith(flag + " \"" + value + "\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_period_defaults_to_15s_and_takes_a_duration()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), Parse().Options!.MetricsPeriod);
        Assert.Equal(TimeSpan.FromSeconds(2), Parse("--metrics-period", "2s").Options!.MetricsPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(500), Parse("--metrics-period=500ms").Options!.MetricsPeriod);
    }

    [Fact]
    public void Server_falls_back_to_the_environment()
    {
        var (options, _) = DashboardCommandLine.ToOptions(DashboardCommandLine.CreateRootCommand().Parse([]),
            name => name == "MINIKUBE_SERVER" ? "http://127.0.0.1:7777" : null);
        Assert.Equal("http://127.0.0.1:7777", options!.Server);
    }
}
