using System.Net;
using System.Net.Sockets;
using MiniKube.Cli.ClusterView;
using MiniKube.Cluster;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary><c>minictl cluster</c> commands: what they refuse and how they say it, before anything is started.</summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly TempHome _home = new();

    [Fact]
    public async Task Status_and_down_without_a_cluster_say_so()
    {
        var status = await _home.MinictlAsync("cluster", "status");
        Assert.Equal(1, status.ExitCode);
        Assert.StartsWith("No cluster in " + _home.Directory, status.Out, StringComparison.Ordinal);

        var down = await _home.MinictlAsync("cluster", "down");
        Assert.Equal(0, down.ExitCode);
        Assert.Contains("nothing to stop", down.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_without_etcd_installed_says_which_package_to_install_and_starts_nothing()
    {
        _home.With("PATH", "/nonexistent");
        var up = await _home.MinictlAsync("cluster", "up");
        Assert.Equal(1, up.ExitCode);
        Assert.Equal("error: etcd not found: apt-get install etcd-server (or use a running etcd with --etcd-servers URL)\n", up.Err);
        Assert.False(File.Exists(_home.Home.StateFile));
    }

    [Fact]
    public async Task Up_without_a_docker_daemon_says_to_start_or_install_it_and_starts_nothing()
    {
        _home.With("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        var up = await _home.MinictlAsync("cluster", "up");
        Assert.Equal(1, up.ExitCode);
        Assert.Matches("^error: Docker (is not running \\(no socket at /nonexistent/docker.sock\\): start dockerd|not found: apt-get install docker.io)", up.Err);
        Assert.Contains("✗ docker: Docker", up.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_home.Home.StateFile));
    }

    [Theory]
    [InlineData(new[] { "--nodes", "0" }, "error: --nodes must be between 1 and 50, not 0")]
    [InlineData(new[] { "--name", "Bad_Name" }, "error: invalid cluster name \"Bad_Name\"")]
    [InlineData(new[] { "--wait", "soon" }, "error: invalid --wait \"soon\"")]
    [InlineData(new[] { "--etcd-servers", "localhost" }, "error: invalid --etcd-servers \"localhost\"")]
    [InlineData(new[] { "--bin-dir", "/nonexistent/bin" }, "error: --bin-dir /nonexistent/bin does not exist")]
    [InlineData(new[] { "--extra-config", "dns.v=2" },
        "error: invalid --extra-config \"dns.v=2\": unknown component \"dns\"; use apiserver, scheduler, controller-manager, kubelet, proxy or dashboard")]
    [InlineData(new[] { "--extra-config", "kubelet.max-pods=50", "--extra-config", "kubelet-max-pods=50" },
        "error: invalid --extra-config \"kubelet-max-pods=50\": use <component>.<flag>=<value>")]
    public async Task Up_refuses_bad_flags(string[] flags, string error)
    {
        var up = await _home.MinictlAsync(["cluster", "up", .. flags]);
        Assert.Equal(1, up.ExitCode);
        Assert.StartsWith(error, up.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_with_component_programs_missing_says_where_it_looked()
    {
        var empty = Path.Combine(_home.Directory, "bin");
        Directory.CreateDirectory(empty);
        var up = await _home.MinictlAsync("cluster", "up", "--bin-dir", empty);
        Assert.Equal(1, up.ExitCode);
        Assert.Contains($"minikube-apiserver.dll, minikube-scheduler.dll, minikube-controller-manager.dll, minikube-kubelet.dll, minikube-proxy.dll, minikube-dashboard.dll not found in {empty}", up.Err,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_cluster_command_on_the_same_home_waits_its_turn()
    {
        using (ClusterLock.Acquire(_home.Home))
        {
            var up = await _home.MinictlAsync("cluster", "down");
            Assert.Equal(1, up.ExitCode);
            Assert.Contains("another minictl cluster command is running", up.Err, StringComparison.Ordinal);
        }
        Assert.Equal(0, (await _home.MinictlAsync("cluster", "down")).ExitCode);
    }

    [DockerFact]
    public async Task Up_on_a_taken_api_port_names_the_port_and_the_flag_and_starts_nothing()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var up = await _home.MinictlAsync("cluster", "up", "--api-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, up.ExitCode);
        Assert.StartsWith($"error: port {port} (API server gRPC) is already in use by another process: stop it, choose another with --api-port", up.Err,
            StringComparison.Ordinal);
        var state = new ClusterStateStore(_home.Home).Load();
        Assert.True(state is null || state.Components.Count == 0, "nothing should have been started");
    }

    [Fact]
    public void Plain_progress_is_one_line_per_start_success_and_failure()
    {
        var output = new StringWriter { NewLine = "\n" };
        var progress = new PlainProgress(output);
        progress.Start("etcd", "starting (pid 1)");
        progress.Update("etcd", "waiting");
        progress.Succeed("etcd", "ready in 0.4 s");
        progress.Fail("apiserver", "exited with code 1");
        Assert.Equal("• etcd: starting (pid 1)\n✓ etcd: ready in 0.4 s\n✗ apiserver: exited with code 1\n", output.ToString());
    }

    [Fact]
    public async Task The_live_view_renders_each_step_with_its_outcome()
    {
        var output = new StringWriter();
        var console = new ClusterConsole(new CliConsole(output, TextWriter.Null, TextReader.Null, _ => null, TimeProvider.System) { OutputIsTerminal = true });
        Assert.True(console.Live);
        var result = await console.WithProgressAsync(10, progress =>
        {
            progress.Start("etcd", "starting");
            progress.Succeed("etcd", "ready in 0.4 s");
            progress.Start("apiserver", "starting");
            progress.Fail("apiserver", "exited with code 1");
            return Task.FromResult(42);
        });
        Assert.Equal(42, result);
        var text = output.ToString();
        Assert.Contains("ready in 0.4 s", text, StringComparison.Ordinal);
        Assert.Contains("exited with code 1", text, StringComparison.Ordinal);
        Assert.Contains("✓", text, StringComparison.Ordinal);
        Assert.Contains("✗", text, StringComparison.Ordinal);
        Assert.False(new ClusterConsole(new CliConsole(output, TextWriter.Null, TextReader.Null, n => n == "TERM" ? "dumb" : null, TimeProvider.System)
        {
            OutputIsTerminal = true,
        }).Live);
    }

    [Fact]
    public void The_summary_says_what_happened_and_what_to_do_next()
    {
        var state = new ClusterState { Name = "dev", Nodes = 2, BinDirectory = "/b", ApiGrpcPort = 21003, ApiHttpPort = 21004, DashboardPort = 21005 }
            .With(new ComponentRecord { Name = "apiserver", Role = "apiserver", Pid = 1, LogFile = "/l", Command = ["x"] })
            .With(new ComponentRecord { Name = "etcd", Role = "etcd", Pid = 2, LogFile = "/l", Command = ["x"] });
        var fresh = Commands.ClusterUpCommand.Summary(new UpResult(state, ["etcd", "apiserver"], [], TimeSpan.FromSeconds(3.21)), _home.Home);
        Assert.Contains("Cluster \"dev\" is up: 2 nodes Ready in 3.2 s.", fresh, StringComparison.Ordinal);
        Assert.Contains("API server  https://127.0.0.1:21003", fresh, StringComparison.Ordinal);
        Assert.Contains("dashboard   http://127.0.0.1:21005", fresh, StringComparison.Ordinal);
        Assert.Contains("security    TLS, client certificates and RBAC; CA and certificates in " + ClusterHome.Display(_home.Home.PkiDirectory) + "/, minictl and kubectl as kubernetes-admin", fresh, StringComparison.Ordinal);
        Assert.Contains("minictl get nodes", fresh, StringComparison.Ordinal);

        var again = Commands.ClusterUpCommand.Summary(new UpResult(state, [], [], TimeSpan.FromSeconds(0.5)), _home.Home);
        Assert.Contains("Cluster \"dev\" is already running: 2 nodes Ready.", again, StringComparison.Ordinal);

        var repaired = Commands.ClusterUpCommand.Summary(new UpResult(state, ["apiserver"], [], TimeSpan.FromSeconds(1)), _home.Home);
        Assert.Contains("Cluster \"dev\" is complete again: started apiserver; 2 nodes Ready in 1.0 s.", repaired, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
