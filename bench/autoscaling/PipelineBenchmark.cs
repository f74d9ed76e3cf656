using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.ApiServer;
using MiniKube.Client;
using MiniKube.Testing;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.Autoscaling;

/// <summary>
/// The resource metrics pipeline at scale: a real API server (in this process, over etcd) and one minikube-kubelet
/// process running hollow nodes (simulated runtime, which reports steady usage). Pods are created already bound to the
/// nodes. Once every pod runs and has stats, the bench triggers whole-cluster scrapes itself (the periodic scraper is
/// set to an hour) and measures each one's wall time and the CPU it cost in this process (the API server) and in the
/// kubelet process, against the same processes' CPU over equally long idle intervals (the baseline); then the latency of
/// listing all PodMetrics, the HPA's query.
/// </summary>
public static class PipelineBenchmark
{
    private const string Namespace = "bench-metrics";
    private const int ScrapesPerRound = 10;

    public static async Task RunAsync(int podCount, int nodeCount, int scrapes, TextWriter output, CancellationToken ct)
    {
        await output.WriteLineAsync($"bench/autoscaling: metrics pipeline, {podCount} pods on {nodeCount} hollow nodes, {scrapes} rounds of {ScrapesPerRound} scrapes; load average {ReactionBenchmark.LoadAverage()}").ConfigureAwait(false);
        await using var server = await TestApiServer.StartAsync(configure: o => o.MetricResolution = TimeSpan.FromHours(1), cancellationToken: ct).ConfigureAwait(false);
        var client = server.Client;
        var root = Directory.CreateTempSubdirectory("bench-autoscaling-");
        try
        {
            await using var kubelet = await ComponentProcess.StartAsync("minikube-kubelet",
                ["--server", server.GrpcAddress, "--runtime", "simulated", "--node-name", "hollow", "--simulate-nodes", nodeCount.ToString(CultureInfo.InvariantCulture),
                 "--port", "0", "--root-dir", root.FullName],
                new System.Text.RegularExpressions.Regex("Kubelet running for node"), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            var nodes = await WaitAsync(() => client.ListAsync<Node>(cancellationToken: ct), n => n.Items.Count(Ready) == nodeCount, TimeSpan.FromSeconds(60), ct)
                .ConfigureAwait(false);
            var names = nodes.Items.Select(n => n.Metadata.Name!).Order(StringComparer.Ordinal).ToList();
            await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = Namespace } }, ct).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, podCount), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, c) =>
                await client.CreateAsync(new Pod
                {
                    Metadata = new ObjectMeta { Name = $"p-{i:D5}", Namespace = Namespace, Labels = new Dictionary<string, string> { ["app"] = "bench" } },
                    Spec = new PodSpec
                    {
                        NodeName = names[i % names.Count],
                        Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }],
                    },
                }, c).ConfigureAwait(false)).ConfigureAwait(false);
            await WaitAsync(() => client.ListAsync<Pod>(Namespace, cancellationToken: ct), p => p.Items.Count(x => x.Status?.Phase == PodPhase.Running) == podCount,
                TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{podCount} pods running after {clock.Elapsed.TotalSeconds:0.0} s")).ConfigureAwait(false);

            var scraper = server.Services.GetRequiredService<ResourceMetricsScraper>();
            var store = server.Services.GetRequiredService<ResourceMetricsStore>();
            // Every pod needs two samples; the simulated runtime samples each second, the kubelet's stats loop picks up new
            // containers every 2 s.
            await WaitAsync(async () =>
            {
                await scraper.ScrapeOnceAsync(ct).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                return store.PodCount;
            }, n => n == podCount, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
            for (var i = 0; i < 5; i++)
            {
                // Warm-up: JIT and connection pools.
                await scraper.ScrapeOnceAsync(ct).ConfigureAwait(false);
                await client.ListPodMetricsAsync(Namespace, null, ct).ConfigureAwait(false);
            }

            // Rounds of ScrapesPerRound back-to-back scrapes, each followed by an idle interval as long: the baseline is the same
            // processes doing nothing asked (the API server's own background work: kubelet status and lease writes, watches).
            var wall = new List<double>();
            var serverCpu = new List<double>();
            var kubeletCpu = new List<double>();
            var idleServer = new List<double>();
            var idleKubelet = new List<double>();
            for (var i = 0; i < scrapes; i++)
            {
                var (s0, k0) = (Environment.CpuUsage.TotalTime, KubeletCpu(kubelet.ProcessId));
                var t = Stopwatch.StartNew();
                for (var j = 0; j < ScrapesPerRound; j++)
                {
                    await scraper.ScrapeOnceAsync(ct).ConfigureAwait(false);
                }
                var elapsed = t.Elapsed;
                var (s1, k1) = (Environment.CpuUsage.TotalTime, KubeletCpu(kubelet.ProcessId));
                await Task.Delay(elapsed, ct).ConfigureAwait(false);
                var (s2, k2) = (Environment.CpuUsage.TotalTime, KubeletCpu(kubelet.ProcessId));
                wall.Add(elapsed.TotalMilliseconds / ScrapesPerRound);
                serverCpu.Add((s1 - s0).TotalMilliseconds / ScrapesPerRound);
                kubeletCpu.Add((k1 - k0).TotalMilliseconds / ScrapesPerRound);
                idleServer.Add((s2 - s1).TotalMilliseconds / ScrapesPerRound);
                idleKubelet.Add((k2 - k1).TotalMilliseconds / ScrapesPerRound);
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
            var list = new List<double>();
            for (var i = 0; i < scrapes; i++)
            {
                var t = Stopwatch.StartNew();
                var metrics = await client.ListPodMetricsAsync(Namespace, "app=bench", ct).ConfigureAwait(false);
                list.Add(t.Elapsed.TotalMilliseconds);
                if (metrics.Count != podCount)
                {
                    throw new InvalidOperationException($"listed {metrics.Count} PodMetrics, expected {podCount}");
                }
            }

            string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
            string Ratio(List<double> measured, List<double> baseline) =>
                new Stats(baseline).Median > 0 ? (new Stats(measured).Median / new Stats(baseline).Median).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "n/a";
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync("| measurement (per scrape) | median | p99 | baseline: idle, same length (median) | median − baseline | ratio to baseline |").ConfigureAwait(false);
            await output.WriteLineAsync("| --- | ---: | ---: | ---: | ---: | ---: |").ConfigureAwait(false);
            await output.WriteLineAsync($"| scrape of {nodeCount} nodes / {podCount} pods: wall ms | {F(new Stats(wall).Median)} | {F(new Stats(wall).P99)} | | | |").ConfigureAwait(false);
            await output.WriteLineAsync($"| API server process CPU ms | {F(new Stats(serverCpu).Median)} | {F(new Stats(serverCpu).P99)} | {F(new Stats(idleServer).Median)} | {F(new Stats(serverCpu).Median - new Stats(idleServer).Median)} | {Ratio(serverCpu, idleServer)} |").ConfigureAwait(false);
            await output.WriteLineAsync($"| kubelet process (hollow, {nodeCount} nodes) CPU ms | {F(new Stats(kubeletCpu).Median)} | {F(new Stats(kubeletCpu).P99)} | {F(new Stats(idleKubelet).Median)} | {F(new Stats(kubeletCpu).Median - new Stats(idleKubelet).Median)} | {Ratio(kubeletCpu, idleKubelet)} |")
                .ConfigureAwait(false);
            await output.WriteLineAsync($"| list {podCount} PodMetrics over gRPC (one call): wall ms | {F(new Stats(list).Median)} | {F(new Stats(list).P99)} | | | |").ConfigureAwait(false);
            var perSecond = (new Stats(serverCpu).Median - new Stats(idleServer).Median) / 15_000 * 100;
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"at the default 15 s resolution the API server spends {perSecond:0.00} % of one core on the pipeline (scrape CPU above baseline / 15 s)")).ConfigureAwait(false);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static bool Ready(Node n) => n.Status?.Conditions?.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True) == true;

    /// <summary>utime + stime of another process, from /proc (clock ticks of 10 ms).</summary>
    private static TimeSpan KubeletCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> until, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe().ConfigureAwait(false);
            if (until(value))
            {
                return value;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"not reached within {timeout.TotalSeconds} s (last: {value})");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
        }
    }
}
