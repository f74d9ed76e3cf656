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

    [Fact]
    public async Task A_burst_of_events_about_one_object_is_combined_and_capped_as_in_kubernetes()
    {
        await using var server = await TestApiServer.StartAsync();
        var rs = await server.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "owner" } });
        await using (var recorder = new EventRecorder(server.Client, "test-component", "host-1"))
        {
            for (var i = 0; i < 100; i++)
            {
                recorder.Normal(rs, "SuccessfulCreate", $"Created pod: web-{i}");
            }
        }

        var events = (await server.Client.ListAsync<Event>("default", fieldSelector: "involvedObject.name=owner")).Items;

        // Nine distinct events, then one combined event bumped by the rest of the spam filter's burst of 25.
        Assert.Equal(EventCorrelator.AggregateMaxEvents, events.Count);
        Assert.Equal(EventCorrelator.AggregateMaxEvents - 1, events.Count(e => e.Count == 1 && e.Message!.StartsWith("Created pod: web-", StringComparison.Ordinal)));
        var combined = Assert.Single(events, e => e.Message!.StartsWith(EventCorrelator.CombinedPrefix, StringComparison.Ordinal));
        Assert.Equal(EventCorrelator.SpamBurst - (EventCorrelator.AggregateMaxEvents - 1), combined.Count);
        Assert.Equal(EventCorrelator.CombinedPrefix + "Created pod: web-24", combined.Message);
    }
}
