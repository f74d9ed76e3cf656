using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class PodResourcesTests
{
    private static PodSpec Spec(Container[] containers, Container[]? init = null) =>
        new() { Containers = containers, InitContainers = init };

    [Fact]
    public void Containers_are_summed()
    {
        var r = PodResources.Requests(Spec([TestObjects.Container("250m", "64Mi"), TestObjects.Container("500m", "128Mi")]));
        Assert.Equal(750, r.MilliCpu);
        Assert.Equal(192L * 1024 * 1024, r.Memory);
    }

    [Fact]
    public void The_largest_init_container_wins_when_it_exceeds_the_sum()
    {
        var r = PodResources.Requests(Spec([TestObjects.Container("100m", "64Mi")], [TestObjects.Container("2", "32Mi"), TestObjects.Container("1", "16Mi")]));
        Assert.Equal(2000, r.MilliCpu);
        Assert.Equal(64L * 1024 * 1024, r.Memory);
    }

    [Fact]
    public void Sidecars_add_to_the_pod_and_to_later_init_steps()
    {
        // Sidecar 200m runs throughout: steady state 100m + 200m; the init step after it needs 1 + 0.2.
        var r = PodResources.Requests(Spec(
            [TestObjects.Container("100m")],
            [TestObjects.Container("200m", restartPolicy: RestartPolicy.Always), TestObjects.Container("1")]));
        Assert.Equal(1200, r.MilliCpu);

        var small = PodResources.Requests(Spec(
            [TestObjects.Container("100m")],
            [TestObjects.Container("200m", restartPolicy: RestartPolicy.Always), TestObjects.Container("50m")]));
        Assert.Equal(300, small.MilliCpu);
    }

    [Fact]
    public void Missing_requests_are_zero_for_fit_but_defaults_for_scoring()
    {
        var spec = Spec([TestObjects.Container(), TestObjects.Container("300m")]);
        var fit = PodResources.Requests(spec);
        Assert.Equal(300, fit.MilliCpu);
        Assert.Equal(0, fit.Memory);
        var (cpu, memory) = PodResources.NonZeroRequests(spec);
        Assert.Equal(100 + 300, cpu);
        Assert.Equal(2 * PodResources.DefaultMemoryRequest, memory);
    }

    [Fact]
    public void An_explicit_zero_request_is_not_replaced_by_the_default()
    {
        var spec = Spec([TestObjects.Container("0", "0")]);
        Assert.Equal((0L, 0L), PodResources.NonZeroRequests(spec));
    }

    [Fact]
    public void Limits_stand_in_for_missing_requests()
    {
        var c = new Container
        {
            Name = "c",
            Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("1500m") } },
        };
        Assert.Equal(1500, PodResources.Requests(Spec([c])).MilliCpu);
    }

    [Fact]
    public void Extended_resources_are_scalar_and_unprefixed_unknown_names_are_ignored()
    {
        var c = new Container
        {
            Name = "c",
            Resources = new ResourceRequirements
            {
                Requests = new Dictionary<string, Quantity>
                {
                    ["example.com/gpu"] = Quantity.Parse("2"),
                    ["hugepages-2Mi"] = Quantity.Parse("4Mi"),
                    ["storage"] = Quantity.Parse("1Gi"),
                },
            },
        };
        var r = PodResources.Requests(Spec([c, c]));
        Assert.Equal(4, r.Scalar("example.com/gpu"));
        Assert.Equal(8L * 1024 * 1024, r.Scalar("hugepages-2Mi"));
        Assert.Equal(0, r.Scalar("storage"));
        Assert.Equal(2, r.Scalars.Length);
    }

    [Fact]
    public void Fractional_millicores_round_up_after_summing()
    {
        // 0.5m + 0.5m = 1m exactly; rounding each container first would give 2m.
        var r = PodResources.Requests(Spec([TestObjects.Container("0.0005"), TestObjects.Container("0.0005")]));
        Assert.Equal(1, r.MilliCpu);
    }

    [Fact]
    public void Host_ports_default_ip_and_protocol_and_skip_container_only_ports()
    {
        var spec = Spec([TestObjects.Container(ports: [(8080, null, null), (0, null, null), (53, "10.0.0.1", "UDP")])]);
        var ports = HostPort.Of(spec);
        Assert.Equal([new HostPort("0.0.0.0", "TCP", 8080), new HostPort("10.0.0.1", "UDP", 53)], ports);
    }
}
