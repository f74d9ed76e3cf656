using System.Text.RegularExpressions;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class GeneralCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Api_resources_lists_discovery_sorted_by_group_then_name()
    {
        var result = await fixture.Cli().RunAsync("api-resources");

        Assert.Equal(new CliResult(0,
            "NAME                       SHORTNAMES   APIVERSION                     NAMESPACED   KIND\n" +
            "configmaps                 cm           v1                             true         ConfigMap\n" +
            "endpoints                  ep           v1                             true         Endpoints\n" +
            "events                     ev           v1                             true         Event\n" +
            "namespaces                 ns           v1                             false        Namespace\n" +
            "nodes                      no           v1                             false        Node\n" +
            "pods                       po           v1                             true         Pod\n" +
            "secrets                                 v1                             true         Secret\n" +
            "serviceaccounts            sa           v1                             true         ServiceAccount\n" +
            "services                   svc          v1                             true         Service\n" +
            "daemonsets                 ds           apps/v1                        true         DaemonSet\n" +
            "deployments                deploy       apps/v1                        true         Deployment\n" +
            "replicasets                rs           apps/v1                        true         ReplicaSet\n" +
            "horizontalpodautoscalers   hpa          autoscaling/v2                 true         HorizontalPodAutoscaler\n" +
            "verticalpodautoscalers     vpa          autoscaling.k8s.io/v1          true         VerticalPodAutoscaler\n" +
            "jobs                                    batch/v1                       true         Job\n" +
            "leases                                  coordination.k8s.io/v1         true         Lease\n" +
            "endpointslices                          discovery.k8s.io/v1            true         EndpointSlice\n" +
            "nodes                                   metrics.k8s.io/v1beta1         false        NodeMetrics\n" +
            "pods                                    metrics.k8s.io/v1beta1         true         PodMetrics\n" +
            "clusterrolebindings                     rbac.authorization.k8s.io/v1   false        ClusterRoleBinding\n" +
            "clusterroles                            rbac.authorization.k8s.io/v1   false        ClusterRole\n" +
            "rolebindings                            rbac.authorization.k8s.io/v1   true         RoleBinding\n" +
            "roles                                   rbac.authorization.k8s.io/v1   true         Role\n", ""), result);
        Assert.Matches(new Regex(@"^pods\s{2,}po\s{2,}v1\s{2,}true\s{2,}Pod$", RegexOptions.Multiline), result.Out);
    }

    [Fact]
    public async Task Logs_refuses_a_since_without_a_unit_and_both_since_flags_together()
    {
        var bare = await fixture.Cli().RunAsync("logs", "some-pod", "--since", "5");
        var both = await fixture.Cli().RunAsync("logs", "some-pod", "--since", "5s", "--since-time", "2026-12-02T10:00:00Z");
        var badTime = await fixture.Cli().RunAsync("logs", "some-pod", "--since-time", "yesterday");

        Assert.Equal(1, bare.ExitCode);
        Assert.Contains("invalid argument \"5\" for \"--since\" flag", bare.Err, StringComparison.Ordinal);
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("at most one of `sinceTime` or `sinceSeconds` may be specified", both.Err, StringComparison.Ordinal);
        Assert.Equal(1, badTime.ExitCode);
        Assert.Contains("--since-time", badTime.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_resources_filters_and_names()
    {
        var result = await fixture.Cli().RunAsync("api-resources", "--namespaced=false", "-o", "name");
        Assert.Equal(new CliResult(0, "namespaces\nnodes\nnodes.metrics.k8s.io\nclusterrolebindings.rbac.authorization.k8s.io\nclusterroles.rbac.authorization.k8s.io\n", ""), result);
        var apps = await fixture.Cli().RunAsync("api-resources", "--api-group", "apps", "-o", "name");
        Assert.Equal(new CliResult(0, "daemonsets.apps\ndeployments.apps\nreplicasets.apps\n", ""), apps);
    }

    [Fact]
    public async Task Version_prints_the_client_and_checks_the_server()
    {
        var result = await fixture.Cli().RunAsync("version");
        var clientOnly = await new Minictl($"http://127.0.0.1:{FreePort.Get()}").RunAsync("version", "--client");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "Client Version: v1.32.0-minikube\n" +
            "Server Version: v1.32.0-minikube\n",
            result.Out);
        Assert.Equal(new CliResult(0, "Client Version: v1.32.0-minikube\n", ""), clientOnly);
    }

    [Fact]
    public async Task An_unknown_kind_is_one_error_line()
    {
        var result = await fixture.Cli().RunAsync("get", "foo");
        Assert.Equal(new CliResult(1, "", "error: the server doesn't have a resource type \"foo\"\n"), result);
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line()
    {
        var address = $"http://127.0.0.1:{FreePort.Get()}";

        var viaEnvironment = await new Minictl(address).RunAsync("get", "pods");
        var viaFlag = await fixture.Cli().RunAsync("get", "pods", "--server", address);

        Assert.Equal(1, viaEnvironment.ExitCode);
        Assert.Equal("", viaEnvironment.Out);
        Assert.Matches($"^Unable to connect to the server: {Regex.Escape(address)}: [^\n]+\n$", viaEnvironment.Err);
        Assert.Equal(viaEnvironment, viaFlag);
    }

    [Fact]
    public async Task The_server_flag_wins_over_the_environment()
    {
        var unreachable = new Minictl($"http://127.0.0.1:{FreePort.Get()}");

        var result = await unreachable.RunAsync("get", "ns", "default", "-o", "name", "--server", fixture.Server.GrpcAddress);

        Assert.Equal(new CliResult(0, "namespace/default\n", ""), result);
    }

    [Fact]
    public async Task A_malformed_server_address_is_one_line()
    {
        var result = await fixture.Cli().RunAsync("get", "pods", "--server", "localhost:8081");
        Assert.Equal(new CliResult(1, "", "error: invalid server address \"localhost:8081\": expected a URL such as http://127.0.0.1:8081, or several separated by commas\n"), result);
    }

    [Theory]
    [InlineData("get", "pods", "--bogus")]
    [InlineData("delete", "--grace-period", "soon", "pod", "x")]
    [InlineData("frobnicate")]
    public async Task Bad_flags_print_the_parser_error_and_usage(params string[] args)
    {
        var result = await fixture.Cli().RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEqual("", result.Err);
        Assert.Contains("Usage:", result.Out);
    }

    [Fact]
    public async Task Output_formats_and_timeouts_are_validated()
    {
        var cli = fixture.Cli();
        Assert.Equal(new CliResult(1, "", "error: unable to match a printer suitable for the output format \"jsonpath\", allowed formats are: json,name,wide,yaml\n"),
            await cli.RunAsync("get", "pods", "-o", "jsonpath"));
        Assert.Equal(new CliResult(1, "", "error: invalid request timeout \"soon\": use a duration such as 30s, 1m or 0 for none\n"),
            await cli.RunAsync("get", "pods", "--request-timeout", "soon"));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("apply")]
    [InlineData("get")]
    [InlineData("describe")]
    [InlineData("delete")]
    [InlineData("patch")]
    [InlineData("api-resources")]
    [InlineData("version")]
    public async Task Every_command_has_help(string command)
    {
        var result = await fixture.Cli().RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"minictl {command}", result.Out);
        Assert.Contains("--server", result.Out);
    }
}
