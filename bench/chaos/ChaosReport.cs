using System.Globalization;
using System.Text;

namespace MiniKube.Bench.Chaos;

/// <summary>What a chaos run did and saw.</summary>
public sealed record ChaosReport(
    TimeSpan Duration,
    IReadOnlyDictionary<string, int> FaultsPerComponent,
    IReadOnlyList<string> Violations,
    IReadOnlyDictionary<string, int> ViolationsPerInvariant,
    TimeSpan? ConvergedAfterLastFault,
    TimeSpan ConvergenceTimeout,
    int ChurnOperations,
    IReadOnlyDictionary<string, int> ClientErrors,
    long WatchEventsChecked,
    int WatchRelists,
    int PodsCreated,
    bool ContainersChecked)
{
    public bool Converged => ConvergedAfterLastFault is not null;

    public bool Passed => Violations.Count == 0 && Converged;

    public string Table()
    {
        var s = new StringBuilder();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        s.AppendLine(CultureInfo.InvariantCulture, $"chaos run: {Duration.TotalSeconds:0} s of faults, {ChurnOperations} churn operations, {PodsCreated} pods created, {WatchEventsChecked} watch events checked ({WatchRelists} re-lists after Gone)");
        s.AppendLine();
        s.AppendLine("| Component | Faults (kill -9 + restart) |");
        s.AppendLine("|---|---:|");
        foreach (var (component, count) in FaultsPerComponent.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {component} | {I(count)} |");
        }
        s.AppendLine(CultureInfo.InvariantCulture, $"| **total** | {I(FaultsPerComponent.Values.Sum())} |");
        s.AppendLine();
        s.AppendLine("| Invariant | Violations |");
        s.AppendLine("|---|---:|");
        foreach (var invariant in InvariantChecker.Invariants)
        {
            var count = invariant == InvariantChecker.ContainerInvariant && !ContainersChecked
                ? "not checked (hollow nodes have no containers; --docker-node)"
                : I(ViolationsPerInvariant.GetValueOrDefault(invariant));
            s.AppendLine(CultureInfo.InvariantCulture, $"| {invariant} | {count} |");
        }
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"converged after the last fault: {(ConvergedAfterLastFault is { } c ? $"{c.TotalSeconds:0.0} s" : "NO")} (bound {ConvergenceTimeout.TotalSeconds:0} s)");
        s.AppendLine();
        s.AppendLine("| Client-visible error (churn requests) | Count |");
        s.AppendLine("|---|---:|");
        foreach (var (error, count) in ClientErrors.OrderByDescending(p => p.Value))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {error} | {I(count)} |");
        }
        if (ClientErrors.Count == 0)
        {
            s.AppendLine("| (none) | 0 |");
        }
        foreach (var violation in Violations.Take(20))
        {
            s.AppendLine("violation: " + violation);
        }
        return s.ToString();
    }
}
