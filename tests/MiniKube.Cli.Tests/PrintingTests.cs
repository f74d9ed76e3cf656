using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Tests;

public sealed class HumanDurationTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(123, "2m3s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(45 * 60 + 30, "45m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 2 * 60 + 10, "3h2m")]
    [InlineData(8 * 3600 - 1, "7h59m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData((2 * 24 + 5) * 3600, "2d5h")]
    [InlineData((7 * 24 + 23) * 3600, "7d23h")]
    [InlineData(8 * 24 * 3600, "8d")]
    [InlineData(12 * 24 * 3600 + 7000, "12d")]
    [InlineData(729 * 24 * 3600, "729d")]
    [InlineData(730 * 24 * 3600, "2y")]
    [InlineData(760 * 24 * 3600, "2y30d")]
    [InlineData(8 * 365 * 24 * 3600, "8y")]
    public void Formats_like_kubectl(long seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Tolerates_a_little_clock_skew_but_not_much()
    {
        Assert.Equal("0s", HumanDuration.Format(TimeSpan.FromSeconds(-1.5)));
        Assert.Equal("<invalid>", HumanDuration.Format(TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void A_missing_timestamp_is_unknown()
    {
        Assert.Equal("<unknown>", HumanDuration.Since(null, DateTimeOffset.UnixEpoch));
        Assert.Equal("90s", HumanDuration.Since(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(90)));
    }
}

public sealed class TextTableTests
{
    [Fact]
    public void Columns_are_left_aligned_three_spaces_apart_without_trailing_blanks()
    {
        var table = new TextTable();
        table.AddRow(["NAME", "READY", "STATUS"]);
        table.AddRow(["web-long-name", "1/1", "Running"]);
        table.AddRow(["db", "0/1", ""]);
        Assert.Equal(
            "NAME            READY   STATUS\n" +
            "web-long-name   1/1     Running\n" +
            "db              0/1\n",
            table.ToString());
    }

    [Fact]
    public void A_row_laid_out_on_given_widths_pushes_an_overlong_cell_right()
    {
        Assert.Equal("ab   c", TextTable.FormatRow(["ab", "c"], [2, 1]));
        Assert.Equal("abcdef   c", TextTable.FormatRow(["abcdef", "c"], [2, 1]));
    }
}

public sealed class TabWriterTests
{
    [Fact]
    public void Aligns_consecutive_lines_that_share_a_column_and_restarts_after_a_line_without_one()
    {
        var text = "Name:\tweb\nNamespace:\tdefault\nContainers:\n  app:\n    Image:\tnginx\n    Restart Count:\t0\nEvents:\t<none>\n";
        Assert.Equal(
            "Name:       web\n" +
            "Namespace:  default\n" +
            "Containers:\n" +
            "  app:\n" +
            "    Image:          nginx\n" +
            "    Restart Count:  0\n" +
            "Events:             <none>\n",
            TabWriter.Align(text, 2));
    }

    [Fact]
    public void Nested_columns_are_sized_per_block()
    {
        var text = "a\tbb\tc\naaa\tb\tc\nx\ty\n";
        Assert.Equal("a    bb  c\naaa  b   c\nx    y\n", TabWriter.Align(text, 2));
    }
}

public sealed class PodStatusTextTests
{
    private static Pod WithStatus(PodStatus status, params string[] initContainers) => new()
    {
        Metadata = new ObjectMeta { Name = "p" },
        Spec = new PodSpec
        {
            Containers = [new Container { Name = "a" }, new Container { Name = "b" }],
            InitContainers = initContainers.Length == 0 ? null : initContainers.Select(n => new Container { Name = n }).ToList(),
        },
        Status = status,
    };

    private static ContainerStatus Waiting(string name, string reason) =>
        new() { Name = name, State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = reason } } };

    private static ContainerStatus Running(string name) =>
        new() { Name = name, Ready = true, State = new ContainerState { Running = new ContainerStateRunning() } };

    private static ContainerStatus Terminated(string name, int exitCode, string? reason = null) =>
        new() { Name = name, State = new ContainerState { Terminated = new ContainerStateTerminated { ExitCode = exitCode, Reason = reason } } };

    [Fact]
    public void The_phase_when_nothing_more_specific_is_known() =>
        Assert.Equal("Running", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Running", ContainerStatuses = [Running("a"), Running("b")] })));

    [Fact]
    public void A_waiting_container_reason_wins() =>
        Assert.Equal("CrashLoopBackOff", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Running", ContainerStatuses = [Running("a"), Waiting("b", "CrashLoopBackOff")] })));

    [Fact]
    public void A_terminated_container_without_reason_shows_its_exit_code() =>
        Assert.Equal("ExitCode:3", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Running", ContainerStatuses = [Terminated("a", 3), Running("b")] })));

    [Fact]
    public void Completed_with_a_container_still_running_reads_as_not_ready_or_running()
    {
        var status = new PodStatus { Phase = "Running", ContainerStatuses = [Running("a"), Terminated("b", 0, "Completed")] };
        Assert.Equal("NotReady", PodStatusText.Of(WithStatus(status)));
        var ready = status with { Conditions = [new PodCondition { Type = "Ready", Status = "True" }] };
        Assert.Equal("Running", PodStatusText.Of(WithStatus(ready)));
    }

    [Fact]
    public void Init_containers_report_progress_and_failures()
    {
        Assert.Equal("Init:1/2", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Pending", InitContainerStatuses = [Terminated("i1", 0), Waiting("i2", "PodInitializing")] }, "i1", "i2")));
        Assert.Equal("Init:Error", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Pending", InitContainerStatuses = [Terminated("i1", 1, "Error")] }, "i1")));
        Assert.Equal("Init:ImagePullBackOff", PodStatusText.Of(WithStatus(new PodStatus { Phase = "Pending", InitContainerStatuses = [Waiting("i1", "ImagePullBackOff")] }, "i1")));
    }

    [Fact]
    public void A_pod_being_deleted_is_terminating()
    {
        var pod = WithStatus(new PodStatus { Phase = "Running" }) with { Metadata = new ObjectMeta { Name = "p", DeletionTimestamp = DateTimeOffset.UnixEpoch } };
        Assert.Equal("Terminating", PodStatusText.Of(pod));
    }

    [Fact]
    public void Restarts_show_the_age_of_the_last_restart()
    {
        var now = DateTimeOffset.UnixEpoch.AddHours(1);
        var pod = WithStatus(new PodStatus
        {
            ContainerStatuses =
            [
                new ContainerStatus { Name = "a", RestartCount = 2, LastState = new ContainerState { Terminated = new ContainerStateTerminated { FinishedAt = now.AddMinutes(-2) } } },
                new ContainerStatus { Name = "b", RestartCount = 1 },
            ],
        });
        Assert.Equal("3 (2m ago)", PodTable.Restarts(pod, now));
        Assert.Equal("0", PodTable.Restarts(WithStatus(new PodStatus()), now));
    }
}

public sealed class ServiceColumnTests
{
    [Fact]
    public void Ports_show_node_ports_and_protocols()
    {
        var service = new Service
        {
            Spec = new ServiceSpec
            {
                Type = "NodePort",
                Ports = [new ServicePort { Port = 80, NodePort = 30080 }, new ServicePort { Port = 53, Protocol = "UDP" }],
            },
        };
        Assert.Equal("80:30080/TCP,53/UDP", ServiceTable.Ports(service));
        Assert.Equal("<none>", ServiceTable.ExternalIp(service));
        Assert.Equal("<pending>", ServiceTable.ExternalIp(service with { Spec = service.Spec with { Type = "LoadBalancer" } }));
    }

    [Fact]
    public void Endpoints_list_three_then_count_the_rest()
    {
        var endpoints = new Endpoints
        {
            Subsets =
            [
                new EndpointSubset
                {
                    Addresses = Enumerable.Range(1, 5).Select(i => new EndpointAddress { Ip = "10.0.0." + i }).ToList(),
                    Ports = [new EndpointPort { Port = 80 }],
                },
            ],
        };
        Assert.Equal("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", EndpointsTable.Format(endpoints));
        Assert.Equal("<none>", EndpointsTable.Format(new Endpoints()));
    }
}

/// <summary>How <c>get hpa</c> (TARGETS) and <c>describe hpa</c> show Pods and Object metrics, as kubectl does.</summary>
public sealed class HpaCustomMetricPrintingTests
{
    private static readonly HorizontalPodAutoscaler Hpa = new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            MaxReplicas = 5,
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Pods,
                    Pods = new PodsMetricSource
                    {
                        Metric = new MetricIdentifier { Name = "queue_depth" },
                        Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse("10") },
                    },
                },
                Object("connections_per_second", new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse("10") }),
                Object("requests", new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.Parse("100") }),
            ],
        },
        Status = new HorizontalPodAutoscalerStatus
        {
            CurrentMetrics =
            [
                new MetricStatus
                {
                    Type = MetricSourceType.Pods,
                    Pods = new PodsMetricStatus { Metric = new MetricIdentifier { Name = "queue_depth" }, Current = new MetricValueStatus { AverageValue = Quantity.Parse("30") } },
                },
                new MetricStatus
                {
                    Type = MetricSourceType.Object,
                    Object = new ObjectMetricStatus
                    {
                        Metric = new MetricIdentifier { Name = "connections_per_second" },
                        DescribedObject = new CrossVersionObjectReference { ApiVersion = "v1", Kind = "Service", Name = "web" },
                        Current = new MetricValueStatus { AverageValue = Quantity.Parse("12") },
                    },
                },
            ],
        },
    };

    private static MetricSpec Object(string name, MetricTarget target) => new()
    {
        Type = MetricSourceType.Object,
        Object = new ObjectMetricSource
        {
            DescribedObject = new CrossVersionObjectReference { ApiVersion = "v1", Kind = "Service", Name = "web" },
            Metric = new MetricIdentifier { Name = name },
            Target = target,
        },
    };

    [Fact]
    public void Targets_show_pods_and_object_metrics()
    {
        Assert.Equal("queue_depth: 30/10, connections_per_second: 12/10 (avg), requests: <unknown>/100", HorizontalPodAutoscalerTable.Targets(Hpa));
    }

    [Fact]
    public void Describe_lines_for_pods_and_object_metrics()
    {
        var specs = Hpa.Spec!.Metrics!;
        var current = Hpa.Status!.CurrentMetrics;
        Assert.Equal(("\"queue_depth\" on pods", "30 / 10"), MiniKube.Cli.Describe.HorizontalPodAutoscalerDescriber.MetricLine(specs[0], current));
        Assert.Equal(("\"connections_per_second\" on Service/web (target average value)", "12 / 10"),
            MiniKube.Cli.Describe.HorizontalPodAutoscalerDescriber.MetricLine(specs[1], current));
        Assert.Equal(("\"requests\" on Service/web (target value)", "<unknown> / 100"), MiniKube.Cli.Describe.HorizontalPodAutoscalerDescriber.MetricLine(specs[2], current));
    }
}
