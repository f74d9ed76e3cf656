using System.Text;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler;

/// <summary>
/// Why a pod fits no node, with kube-scheduler's message: <c>0/3 nodes are available: 1 node(s) had
/// untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.</c> — each reason counted
/// over the nodes it was given for, the "count reason" strings sorted as byte strings (so a count of 1 sorts
/// before 2, and "10 …" before "2 …", exactly as Go's sort.Strings does upstream), joined with ", " and
/// closed with a period. A PreFilter rejection stands alone: <c>0/3 nodes are available: &lt;message&gt;.</c>
/// (The " preemption: …" suffix upstream appends is left out: MiniKube does not preempt.)
/// </summary>
public sealed class FitError
{
    /// <summary>kube-scheduler's ErrNoNodesAvailable text, used when the cluster has no nodes at all.</summary>
    public const string NoNodesAvailableMessage = "no nodes available to schedule pods";

    private string? _message;

    public FitError(
        int numAllNodes,
        IReadOnlyDictionary<string, FilterResult> nodeToStatus,
        IReadOnlySet<string> unschedulablePlugins,
        string? preFilterMessage = null,
        string? absentNodesReason = null)
    {
        NumAllNodes = numAllNodes;
        AbsentNodesReason = absentNodesReason;
        NodeToStatus = nodeToStatus;
        UnschedulablePlugins = unschedulablePlugins;
        PreFilterMessage = preFilterMessage;
    }

    public int NumAllNodes { get; }

    /// <summary>The failing result per node name (empty after a PreFilter rejection).</summary>
    public IReadOnlyDictionary<string, FilterResult> NodeToStatus { get; }

    /// <summary>Plugins that rejected the pod somewhere: the queue requeues it on events these care about.</summary>
    public IReadOnlySet<string> UnschedulablePlugins { get; }

    public string? PreFilterMessage { get; }

    /// <summary>The reason counted for every node not in <see cref="NodeToStatus"/> (nodes a PreFilter ruled out).</summary>
    public string? AbsentNodesReason { get; }

    public string Message => _message ??= Format();

    public override string ToString() => Message;

    private string Format()
    {
        if (NumAllNodes == 0)
        {
            return NoNodesAvailableMessage;
        }
        var text = new StringBuilder();
        text.Append("0/").Append(NumAllNodes).Append(" nodes are available:");
        if (PreFilterMessage is not null)
        {
            text.Append(' ').Append(PreFilterMessage).Append('.');
            return text.ToString();
        }
        var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var status in NodeToStatus.Values)
        {
            foreach (var reason in status.Reasons)
            {
                histogram[reason] = histogram.GetValueOrDefault(reason) + 1;
            }
        }
        if (AbsentNodesReason is not null && NumAllNodes > NodeToStatus.Count)
        {
            histogram[AbsentNodesReason] = histogram.GetValueOrDefault(AbsentNodesReason) + NumAllNodes - NodeToStatus.Count;
        }
        if (histogram.Count == 0)
        {
            return text.ToString();
        }
        var entries = histogram.Select(kv => $"{kv.Value} {kv.Key}").ToList();
        entries.Sort(StringComparer.Ordinal);
        text.Append(' ').AppendJoin(", ", entries).Append('.');
        return text.ToString();
    }
}

/// <summary>The outcome of one scheduling attempt.</summary>
public readonly struct ScheduleResult
{
    private ScheduleResult(string? host, int evaluated, int feasible, FitError? fitError, string? error, bool skipped = false)
    {
        Skipped = skipped;
        SuggestedHost = host;
        EvaluatedNodes = evaluated;
        FeasibleNodes = feasible;
        FitError = fitError;
        Error = error;
    }

    /// <summary>The chosen node; null when the pod did not fit or the cycle failed.</summary>
    public string? SuggestedHost { get; }

    /// <summary>Nodes run through the filters (less than all nodes when sampling stopped early).</summary>
    public int EvaluatedNodes { get; }

    public int FeasibleNodes { get; }

    /// <summary>Set when the pod fits no node: it is unschedulable until the cluster changes.</summary>
    public FitError? FitError { get; }

    /// <summary>Set when a plugin failed with an error; the pod should be retried after backoff.</summary>
    public string? Error { get; }

    public bool Succeeded => SuggestedHost is not null;

    /// <summary>The pod was not attempted (being deleted, already decided, or another scheduler's); <see cref="Error"/> says why.</summary>
    public bool Skipped { get; }

    public static ScheduleResult Scheduled(string host, int evaluated, int feasible) => new(host, evaluated, feasible, null, null);

    public static ScheduleResult Unschedulable(FitError error, int evaluated) => new(null, evaluated, 0, error, null);

    public static ScheduleResult Failed(string error) => new(null, 0, 0, null, error);

    public static ScheduleResult Skip(string why) => new(null, 0, 0, null, why, skipped: true);

    public override string ToString() =>
        SuggestedHost ?? FitError?.Message ?? Error ?? "";
}
