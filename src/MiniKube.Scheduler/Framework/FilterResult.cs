namespace MiniKube.Scheduler.Framework;

/// <summary>Outcome codes, with kube-scheduler's meanings.</summary>
public enum FilterCode
{
    Success,

    /// <summary>Does not fit now; preemption or a cluster change might help.</summary>
    Unschedulable,

    /// <summary>Does not fit, and removing pods from the node would not help (taints, labels, node name).</summary>
    UnschedulableAndUnresolvable,

    /// <summary>PreFilter/PreScore only: this plugin has nothing to say about the pod; skip its Filter/Score.</summary>
    Skip,

    /// <summary>Something went wrong (bad input the API should have rejected); the cycle fails and the pod retries.</summary>
    Error,
}

/// <summary>
/// What a filter (or pre-filter) says about a pod on a node. Immutable and shareable: plugins keep their
/// constant failures in static fields so a failing node costs no allocation.
/// </summary>
public sealed class FilterResult
{
    public static readonly FilterResult Success = new(FilterCode.Success, []);

    public static readonly FilterResult Skip = new(FilterCode.Skip, []);

    private FilterResult(FilterCode code, string[] reasons)
    {
        Code = code;
        Reasons = reasons;
    }

    public FilterCode Code { get; }

    /// <summary>The texts counted in "0/N nodes are available: …" (one per failed check).</summary>
    public IReadOnlyList<string> Reasons { get; }

    public bool IsSuccess => Code == FilterCode.Success;

    /// <summary>The reasons joined as kube-scheduler's Status.Message() does.</summary>
    public string Message => string.Join(", ", Reasons);

    public static FilterResult Unschedulable(params string[] reasons) => new(FilterCode.Unschedulable, Require(reasons));

    public static FilterResult UnschedulableAndUnresolvable(params string[] reasons) =>
        new(FilterCode.UnschedulableAndUnresolvable, Require(reasons));

    public static FilterResult Error(string message) => new(FilterCode.Error, [message]);

    private static string[] Require(string[] reasons) =>
        reasons.Length > 0 ? reasons : throw new ArgumentException("a failure needs at least one reason", nameof(reasons));

    public override string ToString() => Reasons.Count == 0 ? Code.ToString() : $"{Code}: {Message}";
}
