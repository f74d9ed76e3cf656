using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Client.Tests;

public sealed class EventRecorderTests
{
    [Fact]
    public async Task Events_are_recorded_against_the_object_and_repeats_are_counted()
    {
        await using var server = await TestApiServer.StartAsync();
        var pod = await server.Client.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "evented" },
            Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "minikube/busybox:latest" }] },
        });
        await using (var recorder = new EventRecorder(server.Client, "test-component", "host-1"))
        {
            recorder.Warning(pod, "BackOff", "Back-off restarting failed container");
            recorder.Warning(pod, "BackOff", "Back-off restarting failed container");
            recorder.Normal(pod, "Pulled", "Container image already present");
        }

        var events = await server.Client.ListAsync<Event>("default", fieldSelector: "involvedObject.name=evented");

        var backOff = Assert.Single(events.Items, e => e.Reason == "BackOff");
        Assert.Equal(2, backOff.Count);
        Assert.Equal("Warning", backOff.Type);
        Assert.Equal(pod.Metadata.Uid, backOff.InvolvedObject.Uid);
        Assert.Equal("test-component", backOff.Source!.Component);
        Assert.Single(events.Items, e => e.Reason == "Pulled" && e.Count == 1);
    }
}
