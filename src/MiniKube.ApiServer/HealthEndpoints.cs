using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>/healthz, /livez, /readyz and /version on the HTTP/1.1 port.</summary>
internal static class HealthEndpoints
{
    /// <summary>kubectl 1.32 is a dispatcher that picks the kubectl matching the server's minor version.</summary>
    public const string KubernetesMajor = "1";
    public const string KubernetesMinor = "32";
    public const string GitVersion = "v" + KubernetesMajor + "." + KubernetesMinor + ".0-minikube";

    public static string Platform =>
        $"{(OperatingSystem.IsLinux() ? "linux" : "other")}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";

    public static void Map(WebApplication app)
    {
        app.MapGet("/livez", () => Results.Text("ok"));
        app.MapGet("/healthz", async (IObjectStore store, CancellationToken ct) =>
            await EtcdOk(store, ct).ConfigureAwait(false) ? Results.Text("ok") : Results.Text("etcd unreachable", statusCode: 500));
        app.MapGet("/readyz", async (IObjectStore store, WatchCacheSet caches, CancellationToken ct) =>
        {
            if (!caches.IsSynced)
            {
                return Results.Text("watch caches not synced", statusCode: 503);
            }
            return await EtcdOk(store, ct).ConfigureAwait(false) ? Results.Text("ok") : Results.Text("etcd unreachable", statusCode: 503);
        });
        app.MapGet("/version", () => Results.Json(new Dictionary<string, string>
        {
            ["major"] = KubernetesMajor,
            ["minor"] = KubernetesMinor,
            ["gitVersion"] = GitVersion,
            ["gitCommit"] = "",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "",
            ["goVersion"] = "",
            ["compiler"] = "dotnet",
            ["platform"] = Platform,
        }));
    }

    private static async Task<bool> EtcdOk(IObjectStore store, CancellationToken ct)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            await store.GetRevisionAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            return false;
        }
    }
}
