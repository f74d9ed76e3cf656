using Microsoft.Playwright;
using MiniKube.Api;
using MiniKube.EndToEnd.Tests;
using MiniKube.Testing;

namespace MiniKube.Dashboard.Tests;

/// <summary>
/// A real one-node cluster (<c>minictl cluster up</c>: etcd, API server, scheduler, controller-manager, a Docker kubelet and the
/// dashboard, each its own process) and a headless Debian chromium driven by Playwright (no browser download).
/// </summary>
public sealed class DashboardCluster : ClusterFixture, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The metrics pipeline scrapes every 2 s and the dashboard polls it every 2 s, so the usage charts fill within seconds.</summary>
    public DashboardCluster()
        : base(1, ["--extra-config=apiserver.metric-resolution=2s", "--extra-config=dashboard.metrics-period=2s"])
    {
    }

    public string DashboardUrl => State.DashboardUrl;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser did not start");

    /// <summary>Where screenshots go: under the test results (./test.sh sets MINIKUBE_TEST_RESULTS), else next to the tests.</summary>
    public static string ScreenshotDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("MINIKUBE_TEST_RESULTS") is { Length: > 0 } r ? r : Path.Combine(AppContext.BaseDirectory, "TestResults"),
            "dashboard-screenshots");

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (!Available)
        {
            return;
        }
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (./test.sh does)");
        }
        // Web-first assertions wait up to this long (Playwright's default, 5 s, is too short on a loaded machine).
        Assertions.SetDefaultExpectTimeout(60_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public new async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A fresh page (its own context) at <paramref name="path"/> of the dashboard, connected to its circuit.</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(DashboardUrl + "/" + path.TrimStart('/'));
        // Clicks count once the Blazor circuit is up, which the layout marks (prerendered HTML says False).
        await page.Locator("#circuit[data-interactive=yes]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    /// <summary>Waits (90 s) until the pod in <paramref name="ns"/> is Ready.</summary>
    public Task<Pod> WaitPodReadyAsync(string name, string ns = "default") => Eventually.WaitAsync(() => Client.GetAsync<Pod>(name, ns),
        p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, TimeSpan.FromSeconds(90), $"pod {name} to be Ready");

    /// <summary>Deletes the object; one that is already gone is no error (test cleanup).</summary>
    public async Task DeleteQuietlyAsync<T>(string name, string? ns, DeleteOptions? options = null) where T : KubeObject
    {
        try
        {
            await Client.DeleteAsync<T>(name, ns, options);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = false });
    }
}
