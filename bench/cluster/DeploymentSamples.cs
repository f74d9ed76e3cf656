using System.Globalization;
using System.Text;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.Cluster;

/// <summary>Per cluster, each Deployment's create → rollout-done time; per run, the Docker floors; and their table.</summary>
public sealed class DeploymentSamples(int deployments)
{
    private readonly List<double>[] _byOrdinal = [.. Enumerable.Range(0, deployments).Select(_ => new List<double>())];

    public List<double> FloorPairs { get; } = [];

    public List<double> FloorSingles { get; } = [];

    public void Add(IReadOnlyList<double> cluster)
    {
        for (var i = 0; i < cluster.Count; i++)
        {
            _byOrdinal[i].Add(cluster[i]);
        }
    }

    public string Report(int replicas, int nodes)
    {
        var pairs = new Stats(FloorPairs);
        var warm = new Stats(_byOrdinal.Skip(1).SelectMany(s => s));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"\n### {replicas}-replica Deployments after cluster up ({nodes} nodes): create -f → rollout status done ({_byOrdinal[0].Count} clusters)\n");
        text.AppendLine("| run | median | p99 | median ÷ warm median | median ÷ pair floor |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        for (var i = 0; i < _byOrdinal.Length; i++)
        {
            var s = new Stats(_byOrdinal[i]);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Ordinal(i)} Deployment{(i == 0 ? " (cold)" : "")} | {s.Median / 1000:0.00} s | {s.P99 / 1000:0.00} s | {Ratio(s.Median, warm.Median)} | {Ratio(s.Median, pairs.Median)} |");
        }
        if (_byOrdinal.Length > 1)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| warm (2nd and later) | {warm.Median / 1000:0.00} s | {warm.P99 / 1000:0.00} s | 1.00× | {Ratio(warm.Median, pairs.Median)} |");
        }
        var singles = new Stats(FloorSingles);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| raw Docker: {replicas} sandbox + app pairs in parallel | {pairs.Median / 1000:0.00} s | {pairs.P99 / 1000:0.00} s | | 1.00× |");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| raw Docker: {replicas} single containers in parallel | {singles.Median / 1000:0.00} s | {singles.P99 / 1000:0.00} s | | {Ratio(singles.Median, pairs.Median)} |");
        return text.ToString();
    }

    private static string Ordinal(int i) => i switch { 0 => "first", 1 => "second", 2 => "third", _ => (i + 1).ToString(CultureInfo.InvariantCulture) + "th" };

    private static string Ratio(double value, double of) =>
        double.IsNaN(value) || double.IsNaN(of) ? "—" : (value / of).ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
