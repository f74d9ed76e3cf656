using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using MiniKube.Bench.Common;

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
        var floor = await FloorPaintsAsync(browser, url + "/healthz", loads);
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
        output.WriteLine($"| first contentful paint of /healthz (plain text, no script or style: the browser's floor) | {floor.Median:0} ms | {floor.P99:0} ms | | |");
        output.WriteLine($"| dashboard RSS, idle | {idleFull:0.0} MiB with {podCount} pods | | {idleEmpty:0.0} MiB empty cluster | {idleFull / idleEmpty:0.00}× |");
        output.WriteLine();
        output.WriteLine($"phases (median ms since navigation start), {podCount} pods: {full.Phases.Describe()}");
        output.WriteLine($"phases (median ms since navigation start), 0 pods: {empty.Phases.Describe()}");
    }

    /// <summary>Load times (navigation → interactive circuit showing the count) and first contentful paints (the browser's own timing).</summary>
    private static async Task<(Stats Interactive, Stats Paint, Phases Phases)> LoadTimesAsync(IBrowser browser, string url, string count, int loads)
    {
        var samples = new List<double>();
        var paints = new List<double>();
        var phases = new Phases();
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
                phases.Add(await page.EvaluateAsync<double[]>(PhasesScript), elapsed);
                if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null)
                {
                    Console.Error.WriteLine(await page.EvaluateAsync<string>("JSON.stringify([document.documentElement.outerHTML.length, document.getElementsByTagName('*').length, performance.getEntriesByType('navigation')[0].transferSize]) + JSON.stringify(performance.getEntries().map(e => [e.entryType, e.name.slice(-40), Math.round(e.startTime), Math.round(e.responseEnd ?? 0), Math.round(e.duration)]))"));
                }
            }
            await context.CloseAsync();
        }
        return (new Stats(samples), new Stats(paints), phases);
    }

    /// <summary>
    /// Where a load's time goes, from the browser's navigation and resource timing (ms since navigation start): the
    /// document's first byte (the server's prerender) and last byte, blazor.web.js loaded, DOMContentLoaded, first paint.
    /// </summary>
    private const string PhasesScript = """
        (() => {
            const n = performance.getEntriesByType('navigation')[0];
            const js = performance.getEntriesByType('resource').find(r => r.name.includes('blazor.web'));
            const fcp = performance.getEntriesByName('first-contentful-paint')[0];
            return [n.requestStart, n.responseStart, n.responseEnd, js ? js.responseEnd : -1, n.domContentLoadedEventEnd, fcp ? fcp.startTime : -1];
        })()
        """;

    /// <summary>Median of each load phase over a series.</summary>
    private sealed class Phases
    {
        private static readonly string[] Names = ["request sent", "first byte", "document end", "blazor.web.js end", "DOMContentLoaded", "first paint", "interactive"];
        private readonly List<double>[] _values = [.. Names.Select(_ => new List<double>())];

        public void Add(double[] timings, double interactive)
        {
            for (var i = 0; i < timings.Length; i++)
            {
                _values[i].Add(timings[i]);
            }
            _values[^1].Add(interactive);
        }

        public string Describe() => string.Join(", ", Names.Select((name, i) => $"{name} {new Stats(_values[i]).Median:0}"));
    }

    /// <summary>First contentful paints of a page with nothing to run or fetch (the floor of a fresh context's load on this machine).</summary>
    private static async Task<Stats> FloorPaintsAsync(IBrowser browser, string url, int loads)
    {
        var paints = new List<double>();
        for (var i = 0; i < loads + 1; i++)
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(url);
            var paint = await page.EvaluateAsync<double>("""
                new Promise(resolve => new PerformanceObserver((list, observer) => {
                    const fcp = list.getEntriesByName('first-contentful-paint')[0];
                    if (fcp) { observer.disconnect(); resolve(fcp.startTime); }
                }).observe({ type: 'paint', buffered: true }))
                """);
            if (i > 0)
            {
                paints.Add(paint);
            }
            await context.CloseAsync();
        }
        return new Stats(paints);
    }

    private static async Task<IPage> OpenAsync(IBrowser browser, string url)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(url);
        await page.Locator("#circuit[data-interactive=yes]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
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
