using MiniKube.Api;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class InterPodAffinityTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Host = "kubernetes.io/hostname";
    private readonly InterPodAffinity plugin = new();

    private static PodAffinityTerm Term(string selector, string key, IReadOnlyList<string>? namespaces = null, LabelSelector? nsSelector = null) => new()
    {
        LabelSelector = new LabelSelector { MatchLabels = TestObjects.ParseLabels(selector) },
        TopologyKey = key,
        Namespaces = namespaces,
        NamespaceSelector = nsSelector,
    };

    private static PodSpec Spec(
        PodAffinityTerm[]? affinity = null, PodAffinityTerm[]? anti = null,
        WeightedPodAffinityTerm[]? preferred = null, WeightedPodAffinityTerm[]? preferredAnti = null) => new()
    {
        Affinity = new Affinity
        {
            PodAffinity = affinity is null && preferred is null ? null : new PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = affinity,
                PreferredDuringSchedulingIgnoredDuringExecution = preferred,
            },
            PodAntiAffinity = anti is null && preferredAnti is null ? null : new PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = anti,
                PreferredDuringSchedulingIgnoredDuringExecution = preferredAnti,
            },
        },
    };

    private static WeightedPodAffinityTerm Weighted(int weight, PodAffinityTerm term) => new() { Weight = weight, PodAffinityTerm = term };

    private FilterResult[] FilterAll(Pod pod, NodeInfo[] nodes) => nodes.Select(n => Run.Filter(plugin, pod, n, nodes)).ToArray();

    [Fact]
    public void Required_anti_affinity_keeps_replicas_off_each_others_hosts()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("web-1", labels: "app=web")),
            Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("db-1", labels: "app=db")),
        };
        var pod = TestObjects.PodRequesting("web-2", labels: "app=web", spec: Spec(anti: [Term("app=web", Host)]));
        var results = FilterAll(pod, nodes);
        Assert.Equal([false, true], results.Select(r => r.IsSuccess));
        Assert.Equal(["node(s) didn't match pod anti-affinity rules"], results[0].Reasons);
        Assert.Equal(FilterCode.Unschedulable, results[0].Code);
    }

    [Fact]
    public void Required_affinity_needs_a_matching_pod_in_the_nodes_domain()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("a1", labels: $"{Zone}=a"), TestObjects.PodRequesting("db", labels: "app=db")),
            Make.Info(TestObjects.Node("a2", labels: $"{Zone}=a")),
            Make.Info(TestObjects.Node("b1", labels: $"{Zone}=b")),
            Make.Info(TestObjects.Node("nozone")),
        };
        var pod = TestObjects.PodRequesting("api", labels: "app=api", spec: Spec(affinity: [Term("app=db", Zone)]));
        var results = FilterAll(pod, nodes);
        Assert.Equal([true, true, false, false], results.Select(r => r.IsSuccess));
        Assert.Equal(["node(s) didn't match pod affinity rules"], results[2].Reasons);
        Assert.Equal(FilterCode.UnschedulableAndUnresolvable, results[2].Code);
    }

    [Fact]
    public void The_first_pod_of_a_self_affine_group_may_go_anywhere_with_the_key()
    {
        var nodes = new[] { Make.Info(TestObjects.Node("a1", labels: $"{Zone}=a")), Make.Info(TestObjects.Node("nozone")) };
        var self = TestObjects.PodRequesting("cache-1", labels: "app=cache", spec: Spec(affinity: [Term("app=cache", Zone)]));
        Assert.Equal([true, false], FilterAll(self, nodes).Select(r => r.IsSuccess));
        var notSelf = TestObjects.PodRequesting("api", labels: "app=api", spec: Spec(affinity: [Term("app=cache", Zone)]));
        Assert.Equal([false, false], FilterAll(notSelf, nodes).Select(r => r.IsSuccess));
    }

    [Fact]
    public void Existing_pods_anti_affinity_repels_matching_pods_from_their_domain()
    {
        var guard = TestObjects.PodRequesting("guard", labels: "app=guard", spec: Spec(anti: [Term("app=web", Zone)]));
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("a1", labels: $"{Zone}=a"), guard),
            Make.Info(TestObjects.Node("a2", labels: $"{Zone}=a")),
            Make.Info(TestObjects.Node("b1", labels: $"{Zone}=b")),
        };
        var results = FilterAll(TestObjects.PodRequesting("web", labels: "app=web"), nodes);
        Assert.Equal([false, false, true], results.Select(r => r.IsSuccess));
        Assert.Equal(["node(s) didn't satisfy existing pods anti-affinity rules"], results[0].Reasons);
        Assert.True(FilterAll(TestObjects.PodRequesting("db", labels: "app=db"), nodes).All(r => r.IsSuccess));
    }

    [Fact]
    public void Terms_select_pods_in_the_owners_namespace_unless_told_otherwise()
    {
        var nodes = new[] { Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("web-1", labels: "app=web", ns: "other")) };
        Assert.True(FilterAll(TestObjects.PodRequesting("web-2", labels: "app=web", spec: Spec(anti: [Term("app=web", Host)])), nodes)[0].IsSuccess);
        Assert.False(FilterAll(TestObjects.PodRequesting("web-2", labels: "app=web", spec: Spec(anti: [Term("app=web", Host, ["other"])])), nodes)[0].IsSuccess);
        Assert.False(FilterAll(TestObjects.PodRequesting("web-2", labels: "app=web", spec: Spec(anti: [Term("app=web", Host, nsSelector: new LabelSelector())])), nodes)[0].IsSuccess);
    }

    [Fact]
    public void Preferred_terms_score_domains_and_normalise_between_min_and_max()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("a1", labels: $"{Zone}=a"), TestObjects.PodRequesting("cache", labels: "app=cache")),
            Make.Info(TestObjects.Node("a2", labels: $"{Zone}=a")),
            Make.Info(TestObjects.Node("b1", labels: $"{Zone}=b"), TestObjects.PodRequesting("batch", labels: "app=batch")),
            Make.Info(TestObjects.Node("c1", labels: $"{Zone}=c")),
        };
        var pod = TestObjects.PodRequesting("api", labels: "app=api", spec: Spec(
            preferred: [Weighted(80, Term("app=cache", Zone))],
            preferredAnti: [Weighted(20, Term("app=batch", Zone))]));
        var (raw, normalized) = Run.Score(plugin, pod, nodes);
        Assert.Equal([80L, 80L, -20L, 0L], raw);
        Assert.Equal([100L, 100L, 0L, 20L], normalized);
    }

    [Fact]
    public void Existing_pods_preferences_and_required_affinity_count_towards_the_incoming_pod()
    {
        var nodes = new[]
        {
            Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("likes", labels: "app=x", spec: Spec(preferred: [Weighted(50, Term("app=api", Host))]))),
            Make.Info(TestObjects.Node("n2"), TestObjects.PodRequesting("dislikes", labels: "app=y", spec: Spec(preferredAnti: [Weighted(50, Term("app=api", Host))]))),
            Make.Info(TestObjects.Node("n3"), TestObjects.PodRequesting("needs", labels: "app=z", spec: Spec(affinity: [Term("app=api", Host)]))),
            Make.Info(TestObjects.Node("n4")),
        };
        var (raw, _) = Run.Score(plugin, TestObjects.PodRequesting("api", labels: "app=api"), nodes);
        Assert.Equal([50L, -50L, 1L, 0L], raw);

        var ignoring = new InterPodAffinity(new InterPodAffinityArgs { IgnorePreferredTermsOfExistingPods = true });
        Assert.Equal([0L, 0L, 0L, 0L], Run.Score(ignoring, TestObjects.PodRequesting("api", labels: "app=api"), nodes).Raw);
    }

    [Fact]
    public void Pods_without_affinity_in_a_cluster_without_affinity_skip_everything()
    {
        var nodes = new[] { Make.Info(TestObjects.Node("n1"), TestObjects.PodRequesting("a", labels: "app=a")) };
        var state = new CycleState();
        var pod = TestObjects.PodRequesting("p", labels: "app=a");
        state.Reset(PodInfo.Create(pod), NodeSnapshot.Create(nodes));
        Assert.Equal(FilterCode.Skip, plugin.PreFilter(state, pod).Code);
        Assert.Equal(FilterCode.Skip, plugin.PreScore(state, pod, nodes).Code);
    }

    [Fact]
    public void The_snapshot_tracks_nodes_with_affinity_pods()
    {
        var cache = new SchedulerCache();
        cache.AddNode(TestObjects.Node("n1"));
        cache.AddNode(TestObjects.Node("n2"));
        var snapshot = cache.Snapshot();
        Assert.True(snapshot.NodesWithRequiredAntiAffinity.IsEmpty);
        var guard = TestObjects.PodRequesting("guard", labels: "app=guard", spec: Spec(anti: [Term("app=web", Host)])).BoundTo("n2");
        cache.AddPod(guard);
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(["n2"], snapshot.NodesWithRequiredAntiAffinity.ToArray().Select(n => n.Name));
        Assert.Equal(["n2"], snapshot.NodesWithPodAffinity.ToArray().Select(n => n.Name));
        cache.RemovePod(guard);
        cache.UpdateSnapshot(snapshot);
        Assert.True(snapshot.NodesWithRequiredAntiAffinity.IsEmpty);
    }
}
