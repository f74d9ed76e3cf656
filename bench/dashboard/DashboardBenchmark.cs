using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Bench.Dashboard;

/// <summary>
/// An API server (in this process, over the shared etcd) and minikube-dashboard as its own process, as in a cluster; chromium
/// opens pages. Write latency is timed from before the write's request to the moment the page's DOM shows the new
/// resourceVersion, and beside it the same writes' arrival on a plain watch in this process (the floor: what any
/// client of the API server sees). Page load: navigation until the circuit is interactive and the pods table shows the count.
/// </summary>
public static partial class DashboardBenchmark
{
    public static async Task RunAsync(int writes, int podCount, int loads, TextWriter output, CancellationToken ct)
    {
        await using var api = await TestApiServer.StartAsync(cancellationToken: ct);
        await using var dashboard = await ComponentProcess.StartAsync("minikube-dashboard",
            ["--server", api.GrpcAddress, "--listen", "127.0.0.1:0", "--log-level", "Warning"], ServingLine(), TimeSpan.FromSeconds(60), ct);
        var url = dashboard.Ready.Groups[1].Value;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var client = api.Client;
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var idleEmpty = RssMiB(dashboard.ProcessId);

        // 1. write → page.
        var map = await client.CreateAsync(new ConfigMap
        {
            ApiVersion = "v1", Kind = "ConfigMap",
            Metadata = new ObjectMeta { Name = "bench", Namespace = "default" },
            Data = new Dictionary<string, string> { ["i"] = "0" },
        }, ct);
        var watchSeen = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var stopWatch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watchTask = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in client.WatchAsync<ConfigMap>("default", fieldSelector: "metadata.name=bench", resourceVersion: map.Metadata.ResourceVersion,
                                   cancellationToken: stopWatch.Token))
                {
                    watchSeen[e.Object.Metadata.ResourceVersion ?? ""] = Stopwatch.GetTimestamp();
                }
            }
            catch (OperationCanceledException) when (stopWatch.IsCancellationRequested)
            {
            }
        }, ct);
        var page = await OpenAsync(browser, url + "/objects/configmaps/default/bench");
        var version = page.Locator("[data-test=resource-version]");
        await version.WaitForAsync();
        var pageMs = new List<double>();
        var watchMs = new List<double>();
        for (var i = 1; i <= writes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var written = await client.PatchAsync<ConfigMap>("bench", "default", "{\"data\":{\"i\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}", cancellationToken: ct);
            var rv = written.Metadata.ResourceVersion!;
            await page.WaitForFunctionAsync("rv => document.querySelector('[data-test=resource-version]')?.textContent === rv", rv,
                new() { PollingInterval = 2, Timeout = 10_000 });
            var end = Stopwatch.GetTimestamp();
            pageMs.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            while (!watchSeen.ContainsKey(rv) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(1, ct);
            }
            if (watchSeen.TryGetValue(rv, out var seen))
            {
                watchMs.Add(Stopwatch.GetElapsedTime(start, seen).TotalMilliseconds);
            }
        }
        await stopWatch.CancelAsync();
        await watchTask;
        await page.Context.CloseAsync();

        // 2. page load with many pods (Pending: no scheduler here; the page does not care).
        await client.CreateAsync(new Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new ObjectMeta { Name = "bench" } }, ct);
        var empty = await LoadTimesAsync(browser, url + "/pods?ns=bench", "0", loads);
        await Parallel.ForEachAsync(Enumerable.Range(0, podCount), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
            await client.CreateAsync(new Pod
            {
                ApiVersion = "v1", Kind = "Pod",
                Metadata = new ObjectMeta { Name = $"pod-{i:0000}", Namespace = "bench", Labels = new Dictionary<string, string> { ["app"] = "bench" } },
                Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
            }, token));
        var countText = podCount.ToString(CultureInfo.InvariantCulture);
        var full = await LoadTimesAsync(browser, url + "/pods?ns=bench", countText, loads);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var idleFull = RssMiB(dashboard.ProcessId);

        var p = new Stats(pageMs);
        var w = new Stats(watchMs);
        output.WriteLine($"bench/dashboard: {writes} writes, {podCount} pods, {loads} page loads each");
        output.WriteLine();
        output.WriteLine("| measurement | median | p99 | baseline (same run) | ratio (median) |");
        output.WriteLine("| --- | --- | --- | --- | --- |");
        output.WriteLine($"| write → open page shows it | {p.Median:0.0} ms | {p.P99:0.0} ms | plain watch: {w.Median:0.0} ms (p99 {w.P99:0.0}) | {p.Median / w.Median:0.0}× |");
        output.WriteLine($"| /pods load, {podCount} pods (navigation → interactive, count shown) | {full.Interactive.Median:0} ms | {full.Interactive.P99:0} ms | same page, 0 pods: {empty.Interactive.Median:0} ms (p99 {empty.Interactive.P99:0}) | {full.Interactive.Median / empty.Interactive.Median:0.00}× |");
        output.WriteLine($"| /pods first contentful paint, {podCount} pods (prerendered table) | {full.Paint.Median:0} ms | {full.Paint.P99:0} ms | same page, 0 pods: {empty.Paint.Median:0} ms (p99 {empty.Paint.P99:0}) | {full.Paint.Median / empty.Paint.Median:0.00}× |");
        output.WriteLine($"| dashboard RSS, idle | {idleFull:0.0} MiB with {podCount} pods | | {idleEmpty:0.0} MiB empty cluster | {idleFull / idleEmpty:0.00}× |");
    }

    /// <summary>Load times (navigation → interactive circuit showing the count) and first contentful paints (the browser's own timing).</summary>
    private static async Task<(Stats Interactive, Stats Paint)> LoadTimesAsync(IBrowser browser, string url, string count, int loads)
    {
        var samples = new List<double>();
        var paints = new List<double>();
        for (var i = 0; i < loads + 1; i++)
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            var page = await context.NewPageAsync();
            var start = Stopwatch.GetTimestamp();
            await page.GotoAsync(url);
            await page.Locator("#circuit[data-interactive=yes]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await page.WaitForFunctionAsync("n => document.querySelector('[data-test=pod-count]')?.textContent === n", count, new() { PollingInterval = 2 });
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i > 0)
            {
                samples.Add(elapsed); // the first load warms the server's code paths
                paints.Add(await page.EvaluateAsync<double>("performance.getEntriesByName('first-contentful-paint')[0].startTime"));
            }
            await context.CloseAsync();
        }
        return (new Stats(samples), new Stats(paints));
    }

    private static async Task<IPage> OpenAsync(IBrowser browser, string url)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(url);
        await page.Locator("#circuit[data-interactive=yes]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    /// <summary>Median and p99 (nearest rank) of a sample.</summary>
    private sealed class Stats(IReadOnlyList<double> samples)
    {
        private readonly double[] _sorted = [.. samples.Order()];

        public double Median => Rank(0.50);

        public double P99 => Rank(0.99);

        private double Rank(double p) => _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(p * _sorted.Length) - 1, 0, _sorted.Length - 1)];
    }

    private static double RssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return double.NaN;
    }

    [GeneratedRegex(@"serving (http://\S+)")]
    private static partial Regex ServingLine();
}
