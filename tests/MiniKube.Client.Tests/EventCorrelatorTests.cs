using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;

namespace MiniKube.Client.Tests;

public sealed class EventCorrelatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private int _names;

    [Fact]
    public void A_source_writes_25_events_about_one_object_then_one_every_five_minutes()
    {
        var correlator = new EventCorrelator(_time);
        var rs = Involved("ReplicaSet", "web-1");

        // Distinct messages (one per pod), as a ReplicaSet scaling up produces them.
        var written = Enumerable.Range(0, 100).Select(i => correlator.Correlate(NewEvent(rs, "SuccessfulCreate", $"Created pod: web-{i}"))).ToList();

        Assert.Equal(EventCorrelator.SpamBurst, written.Count(w => w is not null));
        Assert.All(written.Skip(EventCorrelator.SpamBurst), w => Assert.Null(w));

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(correlator.Correlate(NewEvent(rs, "SuccessfulCreate", "Created pod: web-100")));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(correlator.Correlate(NewEvent(rs, "SuccessfulCreate", "Created pod: web-101")));
        Assert.Null(correlator.Correlate(NewEvent(rs, "SuccessfulCreate", "Created pod: web-102")));
    }

    [Fact]
    public void The_spam_filter_counts_per_source_and_object()
    {
        var correlator = new EventCorrelator(_time);
        for (var i = 0; i < EventCorrelator.SpamBurst; i++)
        {
            Assert.NotNull(correlator.Correlate(NewEvent(Involved("ReplicaSet", "a"), "SuccessfulCreate", $"Created pod: a-{i}")));
        }

        Assert.Null(correlator.Correlate(NewEvent(Involved("ReplicaSet", "a"), "SuccessfulDelete", "Deleted pod: a-0")));
        Assert.NotNull(correlator.Correlate(NewEvent(Involved("ReplicaSet", "b"), "SuccessfulCreate", "Created pod: b-0")));
        Assert.NotNull(correlator.Correlate(NewEvent(Involved("ReplicaSet", "a"), "SuccessfulCreate", "Created pod: a-0", component: "other")));
    }

    [Fact]
    public void Ten_events_that_differ_only_in_message_are_combined_into_one_counted_event()
    {
        var correlator = new EventCorrelator(_time);
        var rs = Involved("ReplicaSet", "web-1");

        var first = Enumerable.Range(0, EventCorrelator.AggregateMaxEvents - 1)
            .Select(i => correlator.Correlate(NewEvent(rs, "SuccessfulCreate", $"Created pod: web-{i}"))!.Value).ToList();
        var combined = correlator.Correlate(NewEvent(rs, "SuccessfulCreate", "Created pod: web-9"))!.Value;
        var again = correlator.Correlate(NewEvent(rs, "SuccessfulCreate", "Created pod: web-10"))!.Value;

        Assert.All(first, e => Assert.False(e.IsRepeat));
        Assert.Equal(first.Count, first.Select(e => e.Event.Metadata.Name).Distinct().Count());
        Assert.False(combined.IsRepeat);
        Assert.Equal("(combined from similar events): Created pod: web-9", combined.Event.Message);
        Assert.Equal(1, combined.Event.Count);
        Assert.True(again.IsRepeat);
        Assert.Equal(combined.Event.Metadata.Name, again.Event.Metadata.Name);
        Assert.Equal(2, again.Event.Count);
        Assert.Equal("(combined from similar events): Created pod: web-10", again.Event.Message);
    }

    [Fact]
    public void An_exact_repeat_bumps_the_count_of_the_first_event_and_a_later_one_starts_afresh()
    {
        var correlator = new EventCorrelator(_time);
        var pod = Involved("Pod", "web-abcde");

        var first = correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container"))!.Value;
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container"))!.Value;
        _time.Advance(EventCorrelator.RepeatWindow);
        var later = correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container"))!.Value;

        Assert.False(first.IsRepeat);
        Assert.True(second.IsRepeat);
        Assert.Equal(first.Event.Metadata.Name, second.Event.Metadata.Name);
        Assert.Equal(2, second.Event.Count);
        Assert.Equal(first.Event.FirstTimestamp, second.Event.FirstTimestamp);
        Assert.False(later.IsRepeat);
        Assert.NotEqual(first.Event.Metadata.Name, later.Event.Metadata.Name);
    }

    [Fact]
    public void A_repeat_dropped_by_the_spam_filter_still_counts()
    {
        var correlator = new EventCorrelator(_time);
        var pod = Involved("Pod", "crashy");
        for (var i = 0; i < EventCorrelator.SpamBurst; i++)
        {
            Assert.NotNull(correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container")));
        }
        Assert.Null(correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container")));

        _time.Advance(EventCorrelator.SpamRefill);
        var next = correlator.Correlate(NewEvent(pod, "BackOff", "Back-off restarting failed container"))!.Value;

        Assert.True(next.IsRepeat);
        Assert.Equal(EventCorrelator.SpamBurst + 2, next.Event.Count);
    }

    private static ObjectReference Involved(string kind, string name) =>
        new() { Kind = kind, Name = name, Namespace = "default", Uid = "uid-" + name, ApiVersion = kind == "Pod" ? "v1" : "apps/v1" };

    private Event NewEvent(ObjectReference involved, string reason, string message, string component = "replicaset-controller")
    {
        var now = _time.GetUtcNow();
        return new Event
        {
            Metadata = new ObjectMeta { Name = $"{involved.Name}.{++_names}", Namespace = "default" },
            InvolvedObject = involved,
            Type = EventType.Normal,
            Reason = reason,
            Message = message,
            Source = new EventSource { Component = component, Host = "host-1" },
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
            ReportingComponent = component,
            ReportingInstance = "host-1",
        };
    }
}
