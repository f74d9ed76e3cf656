using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class NodePortsTests
{
    private static Pod WithPort(string name, int port, string? ip = null, string? protocol = null) =>
        TestObjects.PodRequesting(name, spec: new PodSpec { Containers = [TestObjects.Container(ports: [(port, ip, protocol)])] });

    [Theory]
    // existing (port, ip, protocol), wanted (port, ip, protocol), conflict?
    [InlineData(8080, null, null, 8080, null, null, true)]
    [InlineData(8080, null, null, 8081, null, null, false)]
    [InlineData(8080, null, "TCP", 8080, null, "UDP", false)]
    [InlineData(8080, "0.0.0.0", null, 8080, "10.0.0.1", null, true)]
    [InlineData(8080, "10.0.0.1", null, 8080, null, null, true)]
    [InlineData(8080, "10.0.0.1", null, 8080, "10.0.0.2", null, false)]
    [InlineData(8080, "10.0.0.1", null, 8080, "10.0.0.1", null, true)]
    [InlineData(53, "10.0.0.1", "UDP", 53, "0.0.0.0", "UDP", true)]
    public void Host_port_conflicts(int usedPort, string? usedIp, string? usedProtocol, int port, string? ip, string? protocol, bool conflict)
    {
        var node = Make.Info(TestObjects.Node("n1"), WithPort("existing", usedPort, usedIp, usedProtocol));
        var result = Run.Filter(new NodePorts(), WithPort("p", port, ip, protocol), node);
        Assert.Equal(!conflict, result.IsSuccess);
        if (conflict)
        {
            Assert.Equal([NodePorts.ErrReason], result.Reasons);
            Assert.Equal(FilterCode.Unschedulable, result.Code);
        }
    }

    [Fact]
    public void A_freed_port_is_available_again()
    {
        var existing = PodInfo.Create(WithPort("existing", 8080));
        var node = NodeInfo.Create(TestObjects.Node("n1")).WithPod(existing, 1).WithoutPod(existing.Key, 2)!;
        Assert.True(Run.Filter(new NodePorts(), WithPort("p", 8080), node).IsSuccess);
    }
}

public sealed class TaintTolerationTests
{
    private readonly TaintToleration plugin = new();

    [Theory]
    // taint key/value/effect, toleration key/operator/value/effect ("-" = no toleration), tolerated?
    [InlineData("dedicated", "gpu", "NoSchedule", "-", null, null, null, false)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", "Equal", "gpu", "NoSchedule", true)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", null, "gpu", null, true)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", "Equal", "cpu", "NoSchedule", false)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", "Exists", null, null, true)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", "Exists", null, "NoExecute", false)]
    [InlineData("dedicated", "gpu", "NoExecute", "-", null, null, null, false)]
    [InlineData("dedicated", "gpu", "NoExecute", "dedicated", "Exists", null, "NoExecute", true)]
    [InlineData("dedicated", "gpu", "PreferNoSchedule", "-", null, null, null, true)]
    [InlineData("dedicated", "gpu", "NoSchedule", null, "Exists", null, null, true)]
    [InlineData("dedicated", "gpu", "NoSchedule", "other", "Exists", null, null, false)]
    [InlineData("dedicated", "gpu", "NoSchedule", "dedicated", "Lt", "gpu", null, false)]
    public void Filter(string key, string value, string effect, string? tKey, string? tOp, string? tValue, string? tEffect, bool tolerated)
    {
        var node = Make.Info(TestObjects.Node("n1", taints: [TestObjects.Taint(key, value, effect)]));
        var spec = new PodSpec { Tolerations = tKey == "-" ? null : [TestObjects.Toleration(tKey, tOp, tValue, tEffect)] };
        var result = Run.Filter(plugin, TestObjects.PodRequesting("p", spec: spec), node);
        Assert.Equal(tolerated, result.IsSuccess);
        if (!tolerated)
        {
            Assert.Equal(FilterCode.UnschedulableAndUnresolvable, result.Code);
            Assert.Equal([$"node(s) had untolerated taint {{{key}: {value}}}"], result.Reasons);
        }
    }

    [Fact]
    public void Message_names_the_first_untolerated_taint_with_an_empty_value_as_upstream_prints_it()
    {
        var node = Make.Info(TestObjects.Node("cp", taints:
        [
            TestObjects.Taint("soft", null, TaintEffect.PreferNoSchedule),
            TestObjects.Taint("node-role.kubernetes.io/control-plane", null, TaintEffect.NoSchedule),
            TestObjects.Taint("node.kubernetes.io/not-ready", null, TaintEffect.NoExecute),
        ]));
        Assert.Equal(["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"], Run.Filter(plugin, TestObjects.PodRequesting("p"), node).Reasons);
    }

    [Fact]
    public void Score_prefers_fewer_untolerated_PreferNoSchedule_taints()
    {
        var clean = Make.Info(TestObjects.Node("clean"));
        var one = Make.Info(TestObjects.Node("one", taints: [TestObjects.Taint("a", "1", TaintEffect.PreferNoSchedule)]));
        var two = Make.Info(TestObjects.Node("two", taints: [TestObjects.Taint("a", "1", TaintEffect.PreferNoSchedule), TestObjects.Taint("b", "1", TaintEffect.PreferNoSchedule)]));
        var tolerated = Make.Info(TestObjects.Node("tolerated", taints: [TestObjects.Taint("c", "1", TaintEffect.PreferNoSchedule)]));
        var pod = TestObjects.PodRequesting("p", spec: new PodSpec { Tolerations = [TestObjects.Toleration("c", "Exists", null, TaintEffect.PreferNoSchedule)] });
        var (raw, normalized) = Run.Score(plugin, pod, [clean, one, two, tolerated]);
        Assert.Equal([0L, 1L, 2L, 0L], raw);
        Assert.Equal([100L, 50L, 0L, 100L], normalized);
    }

    [Fact]
    public void A_NoSchedule_toleration_does_not_count_for_PreferNoSchedule_scoring()
    {
        var one = Make.Info(TestObjects.Node("one", taints: [TestObjects.Taint("a", "1", TaintEffect.PreferNoSchedule)]));
        var pod = TestObjects.PodRequesting("p", spec: new PodSpec { Tolerations = [TestObjects.Toleration("a", "Exists", null, TaintEffect.NoSchedule)] });
        Assert.Equal(1, Run.Score(plugin, pod, [one]).Raw[0]);
    }
}

public sealed class NodeUnschedulableTests
{
    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void Cordoned_nodes_only_take_pods_that_tolerate_it(bool unschedulable, bool tolerates, bool fits)
    {
        var node = Make.Info(TestObjects.Node("n1", unschedulable: unschedulable));
        var spec = new PodSpec
        {
            Tolerations = tolerates ? [TestObjects.Toleration("node.kubernetes.io/unschedulable", "Exists", null, TaintEffect.NoSchedule)] : null,
        };
        var result = Run.Filter(new NodeUnschedulable(), TestObjects.PodRequesting("p", spec: spec), node);
        Assert.Equal(fits, result.IsSuccess);
        if (!fits)
        {
            Assert.Equal(["node(s) were unschedulable"], result.Reasons);
            Assert.Equal(FilterCode.UnschedulableAndUnresolvable, result.Code);
        }
    }
}

public sealed class NodeNameTests
{
    [Theory]
    [InlineData(null, "n1", true)]
    [InlineData("n1", "n1", true)]
    [InlineData("n2", "n1", false)]
    public void Filter(string? wanted, string node, bool fits)
    {
        var result = Run.Filter(new NodeName(), TestObjects.PodRequesting("p", spec: new PodSpec { NodeName = wanted }), Make.Info(TestObjects.Node(node)));
        Assert.Equal(fits, result.IsSuccess);
        if (!fits)
        {
            Assert.Equal(["node(s) didn't match the requested node name"], result.Reasons);
        }
    }
}
