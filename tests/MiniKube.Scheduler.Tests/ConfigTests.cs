using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;

namespace MiniKube.Scheduler.Tests;

public sealed class ConfigTests
{
    private static SchedulingProfile Build(string yaml) => SchedulerConfigLoader.Parse(yaml).BuildProfiles()[0];

    private static string[] Scores(SchedulingProfile p) => p.ScorePlugins.Select(s => $"{s.Plugin.Name}:{s.Weight}").ToArray();

    private static string[] Filters(SchedulingProfile p) => p.FilterPlugins.Select(f => f.Name).ToArray();

    private static IReadOnlyList<string> Errors(string yaml) =>
        Assert.Throws<SchedulerConfigException>(() => SchedulerConfigLoader.Parse(yaml)).Errors;

    [Fact]
    public void Defaults_match_kube_scheduler()
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles()[0];
        Assert.Equal("default-scheduler", profile.SchedulerName);
        Assert.Equal(
            ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"],
            Filters(profile));
        Assert.Equal(
            ["TaintToleration:3", "NodeAffinity:2", "NodeResourcesFit:1", "PodTopologySpread:2", "InterPodAffinity:2", "NodeResourcesBalancedAllocation:1"],
            Scores(profile));
        Assert.Equal(0, profile.PercentageOfNodesToScore);
        Assert.Equal(TimeSpan.FromSeconds(1), SchedulerConfiguration.Default.Queue.PodInitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(10), SchedulerConfiguration.Default.Queue.PodMaxBackoff);
    }

    [Fact]
    public void An_empty_file_and_a_missing_path_give_the_defaults()
    {
        Assert.Equal(Scores(SchedulerConfiguration.Default.BuildProfiles()[0]), Scores(Build("")));
        Assert.Same(SchedulerConfiguration.Default, SchedulerConfigLoader.Load(null));
    }

    [Fact]
    public void Full_file_with_strategy_args_weights_and_disabled_plugins()
    {
        var config = SchedulerConfigLoader.Parse("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 30
            podInitialBackoffSeconds: 2
            podMaxBackoffSeconds: 20
            profiles:
            - schedulerName: default-scheduler
              plugins:
                score:
                  enabled:
                  - name: NodeResourcesFit
                    weight: 5
                  disabled:
                  - name: NodeResourcesBalancedAllocation
                filter:
                  disabled:
                  - name: NodePorts
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 2
                    - name: memory
                      weight: 1
            """);
        Assert.Equal(30, config.PercentageOfNodesToScore);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Queue.PodInitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(20), config.Queue.PodMaxBackoff);
        var profile = config.BuildProfiles()[0];
        Assert.Equal(30, profile.PercentageOfNodesToScore);
        // Re-configured at the score point: moves to the front with its new weight.
        Assert.Equal(["NodeResourcesFit:5", "TaintToleration:3", "NodeAffinity:2", "PodTopologySpread:2", "InterPodAffinity:2"], Scores(profile));
        Assert.DoesNotContain("NodePorts", Filters(profile));
        var fit = Assert.IsType<NodeResourcesFit>(profile.ScorePlugins[0].Plugin);
        Assert.Equal("MostAllocated", fit.ScoringStrategyType);
        Assert.Same(fit, profile.FilterPlugins.Single(f => f.Name == "NodeResourcesFit"));
    }

    [Fact]
    public void MultiPoint_star_disables_every_default()
    {
        var profile = Build("""
            profiles:
            - plugins:
                multiPoint:
                  enabled:
                  - name: NodeResourcesFit
                  - name: TaintToleration
                    weight: 7
                  disabled:
                  - name: "*"
            """);
        Assert.Equal(["NodeResourcesFit", "TaintToleration"], Filters(profile));
        Assert.Equal(["NodeResourcesFit:1", "TaintToleration:7"], Scores(profile));
    }

    [Fact]
    public void A_default_plugin_re_enabled_in_multiPoint_keeps_its_place_with_the_new_weight()
    {
        var profile = Build("""
            profiles:
            - plugins:
                multiPoint:
                  enabled:
                  - name: NodeAffinity
                    weight: 10
            """);
        Assert.Equal(
            ["TaintToleration:3", "NodeAffinity:10", "NodeResourcesFit:1", "PodTopologySpread:2", "InterPodAffinity:2", "NodeResourcesBalancedAllocation:1"],
            Scores(profile));
    }

    [Fact]
    public void Disabling_all_scores_keeps_only_explicit_ones()
    {
        var profile = Build("""
            profiles:
            - plugins:
                score:
                  disabled:
                  - name: "*"
                  enabled:
                  - name: NodeResourcesBalancedAllocation
            """);
        Assert.Equal(["NodeResourcesBalancedAllocation:1"], Scores(profile));
        Assert.Equal(8, profile.FilterPlugins.Count);
    }

    [Fact]
    public void Profiles_are_independent()
    {
        var profiles = SchedulerConfigLoader.Parse("""
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: packer
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
            """).BuildProfiles();
        Assert.Equal(["default-scheduler", "packer"], profiles.Select(p => p.SchedulerName));
        Assert.Equal("LeastAllocated", ((NodeResourcesFit)profiles[0].ScorePlugins.Single(s => s.Plugin.Name == "NodeResourcesFit").Plugin).ScoringStrategyType);
        Assert.Equal("MostAllocated", ((NodeResourcesFit)profiles[1].ScorePlugins.Single(s => s.Plugin.Name == "NodeResourcesFit").Plugin).ScoringStrategyType);
    }

    [Fact]
    public void Upstream_plugins_without_a_MiniKube_role_may_be_named()
    {
        var profile = Build("""
            profiles:
            - plugins:
                multiPoint:
                  disabled:
                  - name: VolumeBinding
                  - name: DefaultPreemption
                queueSort:
                  enabled:
                  - name: PrioritySort
                bind:
                  enabled:
                  - name: DefaultBinder
            """);
        Assert.Equal(8, profile.FilterPlugins.Count);
    }

    [Fact]
    public void Unknown_plugin_is_reported_with_its_path()
    {
        Assert.Equal(
            ["profiles[0].plugins.score.enabled[1].name: unknown plugin \"Foo\""],
            Errors("""
                profiles:
                - plugins:
                    score:
                      enabled:
                      - name: NodeAffinity
                      - name: Foo
                """));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Errors("""
            apiVersion: kubescheduler.config.k8s.io/v1beta2
            percentageOfNodesToScore: 101
            podInitialBackoffSeconds: 0
            profiles:
            - schedulerName: a
              plugins:
                scor: {}
                filter:
                  disabled:
                  - name: Nope
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: Random
                    resources:
                    - name: cpu
                      weight: 200
              - name: Bar
            - schedulerName: a
            """);
        Assert.Equal(
        [
            "apiVersion: Unsupported value: \"kubescheduler.config.k8s.io/v1beta2\": supported values: \"kubescheduler.config.k8s.io/v1\"",
            "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]",
            "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0",
            "profiles[0].plugins.scor: unknown field",
            "profiles[0].plugins.filter.disabled[0].name: unknown plugin \"Nope\"",
            "profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: \"Random\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"",
            "profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 200: resource weight of cpu not in valid range [1, 100]",
            "profiles[0].pluginConfig[1].name: unknown plugin \"Bar\"",
            "profiles[1].schedulerName: Duplicate value: \"a\"",
        ], errors);
    }

    [Fact]
    public void A_plugin_enabled_where_it_has_no_implementation_is_rejected()
    {
        Assert.Equal(
            ["profiles[0].plugins.filter.enabled[0].name: plugin \"NodeResourcesBalancedAllocation\" does not implement filter"],
            Errors("""
                profiles:
                - plugins:
                    filter:
                      enabled:
                      - name: NodeResourcesBalancedAllocation
                """));
    }

    [Fact]
    public void Requested_to_capacity_ratio_needs_a_sorted_shape()
    {
        Assert.Equal(
        [
            "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order",
            "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 11: not in valid range [0, 10]",
        ],
            Errors("""
                profiles:
                - pluginConfig:
                  - name: NodeResourcesFit
                    args:
                      scoringStrategy:
                        type: RequestedToCapacityRatio
                        requestedToCapacityRatio:
                          shape:
                          - utilization: 50
                            score: 0
                          - utilization: 10
                            score: 11
                """));
    }

    [Fact]
    public void Topology_spread_defaults_are_validated()
    {
        Assert.Equal(
        [
            "profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
            "profiles[0].pluginConfig[0].args.defaultingType: Invalid value: \"System\": when .defaultConstraints are not empty, .defaultingType must be \"List\"",
        ],
            Errors("""
                profiles:
                - pluginConfig:
                  - name: PodTopologySpread
                    args:
                      defaultConstraints:
                      - maxSkew: 0
                        topologyKey: topology.kubernetes.io/zone
                        whenUnsatisfiable: ScheduleAnyway
                """));
    }

    [Fact]
    public void Wrong_types_and_unknown_args_fields_come_from_the_strict_decoder_with_the_other_problems()
    {
        Assert.Equal(
        [
            "apiVersion: Unsupported value: \"v2\": supported values: \"kubescheduler.config.k8s.io/v1\"",
            "podInitialBackoffSeconds: invalid type: expected integer, got string",
            "profiles[0].plugins.score.enabled: invalid type: expected array, got object",
            "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]",
            "profiles[0].pluginConfig[0].args.hardPodAffinityWeigth: unknown field",
        ],
            Errors("""
                apiVersion: v2
                podInitialBackoffSeconds: soon
                profiles:
                - plugins:
                    score:
                      enabled: {name: NodeAffinity}
                  pluginConfig:
                  - name: InterPodAffinity
                    args:
                      hardPodAffinityWeight: 101
                      hardPodAffinityWeigth: 1
                """));
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_position()
    {
        var errors = Errors("profiles: [\n  - schedulerName: a\n  b: c");
        Assert.Single(errors);
        Assert.Equal("yaml: line 2, column 3: While parsing a node, did not find expected node content.", errors[0]);
    }

    [Fact]
    public void A_missing_file_is_one_clear_error()
    {
        var e = Assert.Throws<SchedulerConfigException>(() => SchedulerConfigLoader.Load("/nonexistent/sched.yaml"));
        Assert.StartsWith("cannot read scheduler configuration \"/nonexistent/sched.yaml\"", e.Errors[0]);
    }
}
