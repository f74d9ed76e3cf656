using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler;

/// <summary>
/// One profile's scheduling algorithm: PreFilter, Filter over the nodes (stopping once enough feasible
/// nodes are found, starting where the last cycle stopped so every node gets its turn), PreScore, Score,
/// normalise, weight, and pick the best node (ties broken at random, each tied node equally likely).
/// Keeps its buffers between cycles so the hot path allocates almost nothing; therefore one cycle at a
/// time per instance.
/// </summary>
public sealed class GenericScheduler
{
    /// <summary>Below this many nodes every node is evaluated; above, at least this many feasible ones are sought.</summary>
    public const int MinFeasibleNodesToFind = 100;

    /// <summary>The adaptive percentage never drops below this.</summary>
    public const int MinFeasibleNodesPercentageToFind = 5;

    private readonly Random random;
    private readonly IFilterPlugin[] filters;
    private readonly IPreFilterPlugin[] preFilters;
    private readonly bool[] preFilterSkips;
    private readonly WeightedScorePlugin[] scorers;
    private readonly IPreScorePlugin?[] preScorers;
    private readonly INormalizeScore?[] normalizers;
    private readonly bool[] scoreSkips;
    private IFilterPlugin[] activeFilters;
    private NodeInfo[] feasible = new NodeInfo[64];
    private Failure[] failures = new Failure[64];
    private long[][] scores;
    private long[] totals = new long[64];
    private NodeInfo[] restrictedBuffer = [];

    public GenericScheduler(SchedulingProfile profile, Random? random = null)
    {
        Profile = profile;
        this.random = random ?? Random.Shared;
        filters = [.. profile.FilterPlugins];
        preFilters = [.. profile.PreFilterPlugins];
        preFilterSkips = new bool[preFilters.Length];
        activeFilters = new IFilterPlugin[filters.Length];
        scorers = [.. profile.ScorePlugins];
        preScorers = scorers.Select(s => s.Plugin as IPreScorePlugin).ToArray();
        normalizers = scorers.Select(s => s.Plugin as INormalizeScore).ToArray();
        scoreSkips = new bool[scorers.Length];
        scores = scorers.Select(_ => new long[64]).ToArray();
    }

    public SchedulingProfile Profile { get; }

    /// <summary>Where the next cycle starts filtering; advances by the number of nodes each cycle looked at.</summary>
    public int NextStartNodeIndex { get; set; }

    /// <summary>
    /// kube-scheduler's numFeasibleNodesToFind: all nodes below 100; otherwise <paramref name="percentage"/>
    /// of them (0 = adaptive: 50 − nodes/125, at least 5 %), but never fewer than 100.
    /// </summary>
    public static int NumFeasibleNodesToFind(int numAllNodes, int percentage)
    {
        if (numAllNodes < MinFeasibleNodesToFind)
        {
            return numAllNodes;
        }
        if (percentage <= 0)
        {
            percentage = Math.Max(MinFeasibleNodesPercentageToFind, 50 - numAllNodes / 125);
        }
        var count = (int)((long)numAllNodes * percentage / 100);
        return Math.Max(count, MinFeasibleNodesToFind);
    }

    /// <summary>Schedules <paramref name="pod"/> on <paramref name="snapshot"/>, using <paramref name="state"/> as scratch.</summary>
    public ScheduleResult Schedule(CycleState state, PodInfo pod, NodeSnapshot snapshot)
    {
        state.Reset(pod, snapshot);
        var numAll = snapshot.Count;
        if (numAll == 0)
        {
            return ScheduleResult.Unschedulable(new FitError(0, EmptyStatuses, EmptyPlugins), 0);
        }

        // PreFilter: per-pod work once; Skip drops the plugin's Filter for this cycle.
        for (var i = 0; i < preFilters.Length; i++)
        {
            var r = preFilters[i].PreFilter(state, pod.Pod);
            preFilterSkips[i] = r.Code == FilterCode.Skip;
            if (r.Code == FilterCode.Error)
            {
                return ScheduleResult.Failed($"running PreFilter plugin \"{preFilters[i].Name}\": {r.Message}");
            }
            if (r.Code is FilterCode.Unschedulable or FilterCode.UnschedulableAndUnresolvable)
            {
                return ScheduleResult.Unschedulable(
                    new FitError(numAll, EmptyStatuses, new HashSet<string>(StringComparer.Ordinal) { preFilters[i].Name }, r.Message), 0);
            }
        }
        var activeCount = 0;
        foreach (var f in filters)
        {
            if (!IsPreFilterSkipped(f))
            {
                activeFilters[activeCount++] = f;
            }
        }

        // Filter, stopping at the sampling threshold.
        var nodes = snapshot.Nodes;
        var restricted = state.NodeRestriction is not null;
        if (restricted)
        {
            nodes = RestrictedNodes(state.NodeRestriction!, snapshot);
            if (nodes.IsEmpty)
            {
                return ScheduleResult.Unschedulable(BuildFitError(numAll, 0, state), 0);
            }
        }
        var candidateCount = nodes.Length;
        var toFind = NumFeasibleNodesToFind(candidateCount, Profile.PercentageOfNodesToScore);
        EnsureCapacity(toFind, candidateCount);
        var start = restricted ? 0 : NextStartNodeIndex % candidateCount;
        var feasibleCount = 0;
        var failureCount = 0;
        var processed = 0;
        var podObject = pod.Pod;
        while (processed < candidateCount && feasibleCount < toFind)
        {
            var index = start + processed;
            if (index >= candidateCount)
            {
                index -= candidateCount;
            }
            var node = nodes[index];
            processed++;
            var passed = true;
            for (var f = 0; f < activeCount; f++)
            {
                var r = activeFilters[f].Filter(state, podObject, node);
                if (r.IsSuccess)
                {
                    continue;
                }
                if (r.Code == FilterCode.Error)
                {
                    return ScheduleResult.Failed($"running Filter plugin \"{activeFilters[f].Name}\" on node \"{node.Name}\": {r.Message}");
                }
                failures[failureCount++] = new Failure(node, r, f);
                passed = false;
                break;
            }
            if (passed)
            {
                feasible[feasibleCount++] = node;
            }
        }
        if (!restricted)
        {
            NextStartNodeIndex = (start + processed) % numAll;
        }

        if (feasibleCount == 0)
        {
            return ScheduleResult.Unschedulable(BuildFitError(numAll, failureCount, state), processed);
        }
        if (feasibleCount == 1)
        {
            // Nothing to compare: upstream skips scoring too.
            return ScheduleResult.Scheduled(feasible[0].Name, processed, 1);
        }
        var candidates = new ReadOnlySpan<NodeInfo>(feasible, 0, feasibleCount);
        var error = ScoreNodes(state, podObject, candidates);
        if (error is not null)
        {
            return ScheduleResult.Failed(error);
        }
        return ScheduleResult.Scheduled(SelectHost(candidates), processed, feasibleCount);
    }

    private string? ScoreNodes(CycleState state, Api.Pod pod, ReadOnlySpan<NodeInfo> candidates)
    {
        var n = candidates.Length;
        for (var p = 0; p < scorers.Length; p++)
        {
            scoreSkips[p] = false;
            if (preScorers[p] is { } pre)
            {
                var r = pre.PreScore(state, pod, candidates);
                if (r.Code == FilterCode.Error)
                {
                    return $"running PreScore plugin \"{pre.Name}\": {r.Message}";
                }
                scoreSkips[p] = r.Code == FilterCode.Skip;
            }
        }
        var total = totals.AsSpan(0, n);
        total.Clear();
        for (var p = 0; p < scorers.Length; p++)
        {
            if (scoreSkips[p])
            {
                continue;
            }
            var plugin = scorers[p].Plugin;
            var pluginScores = scores[p].AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                pluginScores[i] = plugin.Score(state, pod, candidates[i]);
            }
            normalizers[p]?.NormalizeScores(state, pod, candidates, pluginScores);
            var weight = scorers[p].Weight;
            for (var i = 0; i < n; i++)
            {
                var s = pluginScores[i];
                if (s is < NodeScore.Min or > NodeScore.Max)
                {
                    return $"plugin \"{plugin.Name}\" returns an invalid score {s}, it should in the range of [{NodeScore.Min}, {NodeScore.Max}] after normalizing";
                }
                total[i] += s * weight;
            }
        }
        return null;
    }

    /// <summary>The highest total; among equal totals each node is equally likely (reservoir sampling).</summary>
    private string SelectHost(ReadOnlySpan<NodeInfo> candidates)
    {
        var best = 0;
        var bestScore = totals[0];
        var ties = 1;
        for (var i = 1; i < candidates.Length; i++)
        {
            var s = totals[i];
            if (s > bestScore)
            {
                bestScore = s;
                best = i;
                ties = 1;
            }
            else if (s == bestScore)
            {
                ties++;
                if (random.Next(ties) == 0)
                {
                    best = i;
                }
            }
        }
        return candidates[best].Name;
    }

    /// <summary>The total (weighted) score of the i-th feasible node of the last cycle (diagnostics and tests).</summary>
    internal long LastTotalScore(int i) => totals[i];

    private FitError BuildFitError(int numAll, int failureCount, CycleState state)
    {
        var statuses = new Dictionary<string, FilterResult>(failureCount, StringComparer.Ordinal);
        var plugins = new HashSet<string>(state.RestrictingPlugins, StringComparer.Ordinal);
        for (var i = 0; i < failureCount; i++)
        {
            statuses[failures[i].Node.Name] = failures[i].Result;
            plugins.Add(activeFilters[failures[i].FilterIndex].Name);
        }
        // Nodes a PreFilter ruled out were never filtered; upstream reports them under the plugins' names.
        var absent = state.NodeRestriction is null
            ? null
            : $"node(s) didn't satisfy plugin(s) [{string.Join(' ', state.RestrictingPlugins)}]";
        return new FitError(numAll, statuses, plugins, absentNodesReason: absent);
    }

    private ReadOnlySpan<NodeInfo> RestrictedNodes(IReadOnlySet<string> names, NodeSnapshot snapshot)
    {
        if (restrictedBuffer.Length < names.Count)
        {
            restrictedBuffer = new NodeInfo[names.Count];
        }
        var n = 0;
        // Sorted, so which node wins a tie does not depend on hash order.
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (snapshot.Get(name) is { } node)
            {
                restrictedBuffer[n++] = node;
            }
        }
        return restrictedBuffer.AsSpan(0, n);
    }

    private bool IsPreFilterSkipped(IFilterPlugin filter)
    {
        for (var i = 0; i < preFilters.Length; i++)
        {
            if (ReferenceEquals(preFilters[i], filter))
            {
                return preFilterSkips[i];
            }
        }
        return false;
    }

    private void EnsureCapacity(int toFind, int numAll)
    {
        if (feasible.Length < toFind)
        {
            var size = Math.Max(toFind, feasible.Length * 2);
            feasible = new NodeInfo[size];
            totals = new long[size];
            for (var p = 0; p < scores.Length; p++)
            {
                scores[p] = new long[size];
            }
        }
        if (failures.Length < numAll)
        {
            failures = new Failure[Math.Max(numAll, failures.Length * 2)];
        }
    }

    private static readonly IReadOnlyDictionary<string, FilterResult> EmptyStatuses = new Dictionary<string, FilterResult>();
    private static readonly IReadOnlySet<string> EmptyPlugins = new HashSet<string>();

    private readonly record struct Failure(NodeInfo Node, FilterResult Result, int FilterIndex);
}
