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

    private readonly Random _random;
    private readonly IFilterPlugin[] _filters;
    private readonly IPreFilterPlugin[] _preFilters;
    private readonly bool[] _preFilterSkips;
    private readonly WeightedScorePlugin[] _scorers;
    private readonly IPreScorePlugin?[] _preScorers;
    private readonly INormalizeScore?[] _normalizers;
    private readonly bool[] _scoreSkips;
    private IFilterPlugin[] _activeFilters;
    private NodeInfo[] _feasible = new NodeInfo[64];
    private Failure[] _failures = new Failure[64];
    private long[][] _scores;
    private long[] _totals = new long[64];
    private NodeInfo[] _restrictedBuffer = [];
    private int _lastFeasible;
    private bool _lastScored;

    public GenericScheduler(SchedulingProfile profile, Random? random = null)
    {
        Profile = profile;
        _random = random ?? Random.Shared;
        _filters = [.. profile.FilterPlugins];
        _preFilters = [.. profile.PreFilterPlugins];
        _preFilterSkips = new bool[_preFilters.Length];
        _activeFilters = new IFilterPlugin[_filters.Length];
        _scorers = [.. profile.ScorePlugins];
        _preScorers = _scorers.Select(s => s.Plugin as IPreScorePlugin).ToArray();
        _normalizers = _scorers.Select(s => s.Plugin as INormalizeScore).ToArray();
        _scoreSkips = new bool[_scorers.Length];
        _scores = _scorers.Select(_ => new long[64]).ToArray();
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
        _lastFeasible = 0;
        _lastScored = false;
        var numAll = snapshot.Count;
        if (numAll == 0)
        {
            return ScheduleResult.Unschedulable(new FitError(0, EmptyStatuses, EmptyPlugins), 0);
        }

        // PreFilter: per-pod work once; Skip drops the plugin's Filter for this cycle.
        for (var i = 0; i < _preFilters.Length; i++)
        {
            var r = _preFilters[i].PreFilter(state, pod.Pod);
            _preFilterSkips[i] = r.Code == FilterCode.Skip;
            if (r.Code == FilterCode.Error)
            {
                return ScheduleResult.Failed($"running PreFilter plugin \"{_preFilters[i].Name}\": {r.Message}");
            }
            if (r.Code is FilterCode.Unschedulable or FilterCode.UnschedulableAndUnresolvable)
            {
                return ScheduleResult.Unschedulable(
                    new FitError(numAll, EmptyStatuses, new HashSet<string>(StringComparer.Ordinal) { _preFilters[i].Name }, r.Message), 0);
            }
        }
        var activeCount = 0;
        foreach (var f in _filters)
        {
            if (!IsPreFilterSkipped(f))
            {
                _activeFilters[activeCount++] = f;
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
                var r = _activeFilters[f].Filter(state, podObject, node);
                if (r.IsSuccess)
                {
                    continue;
                }
                if (r.Code == FilterCode.Error)
                {
                    return ScheduleResult.Failed($"running Filter plugin \"{_activeFilters[f].Name}\" on node \"{node.Name}\": {r.Message}");
                }
                _failures[failureCount++] = new Failure(node, r, f);
                passed = false;
                break;
            }
            if (passed)
            {
                _feasible[feasibleCount++] = node;
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
            _lastFeasible = 1;
            return ScheduleResult.Scheduled(_feasible[0].Name, processed, 1);
        }
        var candidates = new ReadOnlySpan<NodeInfo>(_feasible, 0, feasibleCount);
        var error = ScoreNodes(state, podObject, candidates);
        if (error is not null)
        {
            return ScheduleResult.Failed(error);
        }
        _lastFeasible = feasibleCount;
        _lastScored = true;
        return ScheduleResult.Scheduled(SelectHost(candidates), processed, feasibleCount);
    }

    private string? ScoreNodes(CycleState state, Api.Pod pod, ReadOnlySpan<NodeInfo> candidates)
    {
        var n = candidates.Length;
        for (var p = 0; p < _scorers.Length; p++)
        {
            _scoreSkips[p] = false;
            if (_preScorers[p] is { } pre)
            {
                var r = pre.PreScore(state, pod, candidates);
                if (r.Code == FilterCode.Error)
                {
                    return $"running PreScore plugin \"{pre.Name}\": {r.Message}";
                }
                _scoreSkips[p] = r.Code == FilterCode.Skip;
            }
        }
        var total = _totals.AsSpan(0, n);
        total.Clear();
        for (var p = 0; p < _scorers.Length; p++)
        {
            if (_scoreSkips[p])
            {
                continue;
            }
            var plugin = _scorers[p].Plugin;
            var pluginScores = _scores[p].AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                pluginScores[i] = plugin.Score(state, pod, candidates[i]);
            }
            _normalizers[p]?.NormalizeScores(state, pod, candidates, pluginScores);
            var weight = _scorers[p].Weight;
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
        var bestScore = _totals[0];
        var ties = 1;
        for (var i = 1; i < candidates.Length; i++)
        {
            var s = _totals[i];
            if (s > bestScore)
            {
                bestScore = s;
                best = i;
                ties = 1;
            }
            else if (s == bestScore)
            {
                ties++;
                if (_random.Next(ties) == 0)
                {
                    best = i;
                }
            }
        }
        return candidates[best].Name;
    }

    /// <summary>The total (weighted) score of the i-th feasible node of the last cycle (diagnostics and tests).</summary>
    internal long LastTotalScore(int i) => _totals[i];

    /// <summary>
    /// The scores behind the last successful cycle's choice, for the pod's <c>Scheduled</c> event: the <paramref name="top"/>
    /// highest totals (weighted sums of the plugins' normalised 0–100 scores), best first, e.g.
    /// <c>scores: node-1=187, node-2=161</c>, or <c>1 feasible node, not scored</c>. Null when the last cycle scheduled nothing.
    /// Reads the cycle's buffers, so call it before the next cycle; it allocates, so it is kept off <see cref="Schedule"/>.
    /// </summary>
    /// <param name="chosen">The node the cycle picked: first among equal totals (ties are broken at random).</param>
    /// <param name="top">How many nodes to list.</param>
    public string? DescribeLastScores(string? chosen = null, int top = 3)
    {
        var n = _lastFeasible;
        if (n == 0)
        {
            return null;
        }
        if (!_lastScored)
        {
            return n == 1 ? "1 feasible node, not scored" : $"{n} feasible nodes, not scored";
        }
        // One pass keeping the best `top` in order: this runs for every bound pod over up to hundreds of feasible nodes, where
        // a LINQ sort with three keys cost about a tenth of the scheduler's CPU (perf, bench/scheduler at 5,000 nodes).
        var k = Math.Min(top, n);
        Span<int> best = k <= 16 ? stackalloc int[k] : new int[k];
        var count = 0;
        // SelectHost returned this very string: found by reference, so ties need no string comparisons.
        var chosenAt = IndexOfChosen(chosen, n);
        for (var i = 0; i < n; i++)
        {
            if (count == k && !Before(i, best[k - 1]))
            {
                continue;
            }
            var at = count < k ? count++ : k - 1;
            for (; at > 0 && Before(i, best[at - 1]); at--)
            {
                best[at] = best[at - 1];
            }
            best[at] = i;
        }
        var list = new System.Text.StringBuilder();
        foreach (var i in best[..count])
        {
            list.Append(list.Length == 0 ? "" : ", ").Append(_feasible[i].Name).Append('=')
                .Append(_totals[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return n <= top ? "scores: " + list : $"top scores of {n} feasible nodes: {list}";

        // Higher total first; among equal totals the chosen node, then by name.
        bool Before(int a, int b) =>
            _totals[a] != _totals[b] ? _totals[a] > _totals[b]
            : a == chosenAt || b == chosenAt ? a == chosenAt
            : string.CompareOrdinal(_feasible[a].Name, _feasible[b].Name) < 0;
    }

    private int IndexOfChosen(string? chosen, int n)
    {
        if (chosen is null)
        {
            return -1;
        }
        for (var i = 0; i < n; i++)
        {
            if (ReferenceEquals(_feasible[i].Name, chosen))
            {
                return i;
            }
        }
        for (var i = 0; i < n; i++)
        {
            if (_feasible[i].Name == chosen)
            {
                return i;
            }
        }
        return -1;
    }

    private FitError BuildFitError(int numAll, int failureCount, CycleState state)
    {
        var statuses = new Dictionary<string, FilterResult>(failureCount, StringComparer.Ordinal);
        var plugins = new HashSet<string>(state.RestrictingPlugins, StringComparer.Ordinal);
        for (var i = 0; i < failureCount; i++)
        {
            statuses[_failures[i].Node.Name] = _failures[i].Result;
            plugins.Add(_activeFilters[_failures[i].FilterIndex].Name);
        }
        // Nodes a PreFilter ruled out were never filtered; upstream reports them under the plugins' names.
        var absent = state.NodeRestriction is null
            ? null
            : $"node(s) didn't satisfy plugin(s) [{string.Join(' ', state.RestrictingPlugins)}]";
        return new FitError(numAll, statuses, plugins, absentNodesReason: absent);
    }

    private ReadOnlySpan<NodeInfo> RestrictedNodes(IReadOnlySet<string> names, NodeSnapshot snapshot)
    {
        if (_restrictedBuffer.Length < names.Count)
        {
            _restrictedBuffer = new NodeInfo[names.Count];
        }
        var n = 0;
        // Sorted, so which node wins a tie does not depend on hash order.
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (snapshot.Get(name) is { } node)
            {
                _restrictedBuffer[n++] = node;
            }
        }
        return _restrictedBuffer.AsSpan(0, n);
    }

    private bool IsPreFilterSkipped(IFilterPlugin filter)
    {
        for (var i = 0; i < _preFilters.Length; i++)
        {
            if (ReferenceEquals(_preFilters[i], filter))
            {
                return _preFilterSkips[i];
            }
        }
        return false;
    }

    private void EnsureCapacity(int toFind, int numAll)
    {
        if (_feasible.Length < toFind)
        {
            var size = Math.Max(toFind, _feasible.Length * 2);
            _feasible = new NodeInfo[size];
            _totals = new long[size];
            for (var p = 0; p < _scores.Length; p++)
            {
                _scores[p] = new long[size];
            }
        }
        if (_failures.Length < numAll)
        {
            _failures = new Failure[Math.Max(numAll, _failures.Length * 2)];
        }
    }

    private static readonly IReadOnlyDictionary<string, FilterResult> EmptyStatuses = new Dictionary<string, FilterResult>();
    private static readonly IReadOnlySet<string> EmptyPlugins = new HashSet<string>();

    private readonly record struct Failure(NodeInfo Node, FilterResult Result, int FilterIndex);
}
