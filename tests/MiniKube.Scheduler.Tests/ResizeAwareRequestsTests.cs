using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Tests;

/// <summary>A pod being resized in place holds the larger of its desired, allocated and actual requests.</summary>
public sealed class ResizeAwareRequestsTests
{
    [Fact]
    public void Counts_the_largest_of_desired_allocated_and_actual_requests()
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "p", Namespace = "default" },
            Spec = new PodSpec
            {
                Containers = [new Container { Name = "a", Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("200m"), ["memory"] = Quantity.Parse("64Mi") } } }],
            },
            Status = new PodStatus
            {
                ContainerStatuses =
                [
                    new ContainerStatus
                    {
                        Name = "a",
                        AllocatedResources = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("500m"), ["memory"] = Quantity.Parse("32Mi") },
                        Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("300m"), ["memory"] = Quantity.Parse("128Mi") } },
                    },
                ],
            },
        };

        var requests = PodResources.Requests(PodResources.ResizeAware(pod));

        Assert.Equal(500, requests.MilliCpu);
        Assert.Equal(128L * 1024 * 1024, requests.Memory);
    }
}
