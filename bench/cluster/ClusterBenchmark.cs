using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Cluster;

namespace MiniKube.Bench.Cluster;

public sealed record ClusterBenchmarkOptions(int Runs, int Nodes, TimeSpan Idle, IReadOnlyDictionary<string, string> Environment,
    int Deployments = 0, int Replicas = 20, string? BinDirectory = null);

/// <summary>
/// Bring-up: <c>minictl cluster up</c> from nothing (fresh MINIKUBE_HOME: no etcd data, no state; images already built)
/// until it exits, which it does when every component is ready and every node Ready; then <c>down --purge</c>.
/// With <c>--deployments N</c>, each timed cluster then runs N Deployments one after the other, each created, waited for
/// (<c>rollout status</c>) and deleted: the first is the cold one (the components' first pods), the others warm; before
/// each cluster, the raw Docker floor of the same pods. Footprint: one more cluster (after the same Deployments, so
/// pods have come and gone) idles, then every process's VmRSS is read from /proc.
/// </summary>
public sealed partial class ClusterBenchmark(ClusterBenchmarkOptions options, TextWriter output)
{
    // Issue #18's targets (idle after 20 pods came and went) and bring-up.
    private const double ControlPlaneTargetMiB = 200;
    private const double KubeletTargetMiB = 50;
    private const double ProxyTargetMiB = 40;
    private const double BringUpTargetSeconds = 1.5;
    private const string Image = "minikube/busybox:latest";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "minikube-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var n = options.Nodes.ToString(CultureInfo.InvariantCulture);
        try
        {
            var times = new List<double>();
            var deployments = new DeploymentSamples(options.Deployments);
            Dictionary<string, double> lastSteps = [];
            using var floor = new DockerFloor(Image);
            for (var run = 0; run <= options.Runs; run++)
            {
                if (run > 0 && options.Deployments > 0)
                {
                    deployments.FloorPairs.Add(await floor.PairsAsync(options.Replicas, cancellationToken));
                    deployments.FloorSingles.Add(await floor.SinglesAsync(options.Replicas, cancellationToken));
                }
                var home = Path.Combine(root, "run" + run.ToString(CultureInfo.InvariantCulture));
                var minictl = new Minictl(home, options.Environment, options.BinDirectory);
                var up = await minictl.RunAsync(["cluster", "up", "--nodes", n, "--name", "bench"], cancellationToken);
                var timed = up.ExitCode == 0 && run > 0 ? await RunDeploymentsAsync(minictl, cancellationToken) : [];
                var down = await minictl.RunAsync(["cluster", "down", "--purge"], cancellationToken);
                if (up.ExitCode != 0 || down.ExitCode != 0 || timed is null)
                {
                    await output.WriteLineAsync($"cluster up/down or a Deployment failed:\n{up.Output}\n{down.Output}");
                    return 1;
                }
                if (run == 0)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"warm-up (not counted): {up.Elapsed.TotalSeconds:0.00} s"));
                    continue;
                }
                times.Add(up.Elapsed.TotalSeconds);
                deployments.Add(timed);
                lastSteps = ReadySteps(up.Output);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: cluster up {up.Elapsed.TotalSeconds:0.00} s; Deployments {string.Join(", ", timed.Select(t => $"{t / 1000:0.00} s"))}"));
            }

            var footprintHome = Path.Combine(root, "footprint");
            var cluster = new Minictl(footprintHome, options.Environment, options.BinDirectory);
            try
            {
                var fresh = await cluster.RunAsync(["cluster", "up", "--nodes", n, "--name", "bench"], cancellationToken);
                if (fresh.ExitCode != 0)
                {
                    await output.WriteLineAsync("cluster up failed:\n" + fresh.Output);
                    return 1;
                }
                if (await RunDeploymentsAsync(cluster, cancellationToken) is null)
                {
                    return 1;
                }
                await Task.Delay(options.Idle, cancellationToken);
                var state = new ClusterStateStore(new ClusterHome(footprintHome, Path.Combine(footprintHome, "config"))).Load()!;
                var rss = state.Components.ToDictionary(c => c.Name, c => (ProcFs.ResidentKiB(c.Pid) ?? 0) / 1024.0, StringComparer.Ordinal);
                var pss = state.Components.ToDictionary(c => c.Name, c => (ProcFs.ProportionalKiB(c.Pid) ?? 0) / 1024.0, StringComparer.Ordinal);
                await WriteReportAsync(times, lastSteps, state, rss, pss);
                if (options.Deployments > 0)
                {
                    await output.WriteAsync(deployments.Report(options.Replicas, options.Nodes));
                }
            }
            finally
            {
                await cluster.RunAsync(["cluster", "down", "--purge"], CancellationToken.None);
            }
            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>
    /// The Deployments of one cluster, one after the other: milliseconds from <c>create -f</c> to <c>rollout status</c>
    /// done, each then deleted and waited for until its last pod is gone; null (after saying why) when one failed.
    /// </summary>
    private async Task<List<double>?> RunDeploymentsAsync(Minictl minictl, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 1; i <= options.Deployments; i++)
        {
            var name = "bench-" + i.ToString(CultureInfo.InvariantCulture);
            var manifest = Path.Combine(Path.GetTempPath(), $"minikube-bench-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(manifest, DeploymentYaml(name, options.Replicas), cancellationToken);
            try
            {
                var create = await minictl.RunAsync(["create", "-f", manifest], cancellationToken);
                var elapsed = create.Elapsed;
                var rollout = create;
                // A watch the server ends early (under load: "the request was cancelled") is watched again, as a user would;
                // the time of every attempt counts.
                for (var attempt = 0; create.ExitCode == 0 && attempt < 3; attempt++)
                {
                    rollout = await minictl.RunAsync(["rollout", "status", "deployment/" + name, "--timeout", "180s"], cancellationToken);
                    elapsed += rollout.Elapsed;
                    if (rollout.ExitCode == 0)
                    {
                        break;
                    }
                    await output.WriteLineAsync($"rollout status of {name} ended with {rollout.ExitCode}: {rollout.Output.Trim()}; watching again");
                }
                if (rollout.ExitCode != 0)
                {
                    await output.WriteLineAsync($"Deployment {name} did not roll out:\n{create.Output}\n{rollout.Output}");
                    return null;
                }
                times.Add(elapsed.TotalMilliseconds);
            }
            finally
            {
                File.Delete(manifest);
            }
            var delete = await minictl.RunAsync(["delete", "deployment", name], cancellationToken);
            if (delete.ExitCode != 0 || !await PodsGoneAsync(minictl, name, cancellationToken))
            {
                await output.WriteLineAsync($"Deployment {name}'s pods were not deleted within 180 s:\n{delete.Output}");
                return null;
            }
        }
        return times;
    }

    private static async Task<bool> PodsGoneAsync(Minictl minictl, string app, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            var pods = await minictl.RunAsync(["get", "pods", "-l", "app=" + app, "-o", "name"], cancellationToken);
            if (pods.ExitCode == 0 && string.IsNullOrWhiteSpace(pods.Output.Replace("No resources found in default namespace.", "", StringComparison.Ordinal)))
            {
                return true;
            }
            await Task.Delay(250, cancellationToken);
        }
        return false;
    }

    private static string DeploymentYaml(string name, int replicas) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
          namespace: default
        spec:
          replicas: {{replicas.ToString(CultureInfo.InvariantCulture)}}
          selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: {{Image}}
                imagePullPolicy: IfNotPresent
                command: ["sleep", "3600"]
        """;

    private async Task WriteReportAsync(List<double> times, Dictionary<string, double> steps, ClusterState state, Dictionary<string, double> rss,
        Dictionary<string, double> pss)
    {
        var sorted = times.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        var settings = options.Environment.Count == 0 ? "defaults" : string.Join(' ', options.Environment.Select(kv => $"{kv.Key}={kv.Value}"));
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"\n### cluster up, {options.Nodes} nodes, from nothing to all Ready ({times.Count} runs; environment: {settings})\n");
        text.AppendLine("| min | median | max | target |");
        text.AppendLine("|---:|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {sorted[0]:0.00} s | {median:0.00} s | {sorted[^1]:0.00} s | ≤ {BringUpTargetSeconds:0.0} s |");
        if (steps.Count > 0)
        {
            text.AppendLine("\nReady after (last run, each from its own start): " + string.Join(", ",
                steps.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.0} s"))));
        }
        var after = options.Deployments > 0 ? $", after {options.Deployments} Deployments of {options.Replicas} pods came and went" : "";
        text.AppendLine(CultureInfo.InvariantCulture, $"\n### Idle footprint {options.Idle.TotalSeconds:0} s after cluster up{after} (VmRSS)\n");
        text.AppendLine("| process | VmRSS | PSS |");
        text.AppendLine("|---|---:|---:|");
        foreach (var c in state.Components.OrderBy(c => c.StopWave == 0 ? 9 : -c.StopWave))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {rss[c.Name]:0.0} MiB | {pss[c.Name]:0.0} MiB |");
        }
        string[] controlPlaneRoles = [ClusterComponents.Etcd, ClusterComponents.ApiServer, ClusterComponents.Scheduler, ClusterComponents.ControllerManager];
        var controlPlane = state.Components.Where(c => controlPlaneRoles.Contains(c.Role)).ToList();
        var proxies = state.Components.Where(c => c.Role == ClusterComponents.Proxy).ToList();
        var kubelets = state.Components.Where(c => c.Role == ClusterComponents.Kubelet).ToList();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **control plane** (etcd + API server + scheduler + controller-manager; target VmRSS ≤ {ControlPlaneTargetMiB:0} MiB) | **{controlPlane.Sum(c => rss[c.Name]):0.0} MiB** | {controlPlane.Sum(c => pss[c.Name]):0.0} MiB |");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **kubelet** (largest of {kubelets.Count}; target VmRSS ≤ {KubeletTargetMiB:0} MiB) | **{kubelets.Max(c => rss[c.Name]):0.0} MiB** | {kubelets.Max(c => pss[c.Name]):0.0} MiB |");
        if (proxies.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| **proxy** (target VmRSS ≤ {ProxyTargetMiB:0} MiB) | **{proxies.Max(c => rss[c.Name]):0.0} MiB** | {proxies.Max(c => pss[c.Name]):0.0} MiB |");
        }
        await output.WriteAsync(text.ToString());
    }

    private static Dictionary<string, double> ReadySteps(string upOutput)
    {
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in ReadyLine().Matches(upOutput))
        {
            steps[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return steps;
    }

    [GeneratedRegex(@"✓ (\S+): ready in ([0-9.]+) s")]
    private static partial Regex ReadyLine();
}
