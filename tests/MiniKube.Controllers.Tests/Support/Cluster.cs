using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Support;

/// <summary>Waiting helpers over a real API server.</summary>
internal static class Cluster
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<IReadOnlyList<Pod>> PodsAsync(MiniKubeClient client, string ns, string? labelSelector = null) =>
        (await client.ListAsync<Pod>(ns, labelSelector)).Items;

    /// <summary>Waits until the namespace holds exactly <paramref name="count"/> Running, Ready pods that are not terminating (and no others that are not terminating).</summary>
    public static Task<IReadOnlyList<Pod>> WaitForRunningPodsAsync(MiniKubeClient client, string ns, int count, string? labelSelector = null, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(
            () => PodsAsync(client, ns, labelSelector),
            pods =>
            {
                var live = pods.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
                return live.Count == count && live.All(p => p.Status?.Phase == PodPhase.Running && Controllers.Pods.IsReady(p));
            },
            timeout ?? Timeout,
            $"{count} running pods in {ns}");

    public static Task<T> WaitForAsync<T>(MiniKubeClient client, string name, string? ns, Func<T, bool> until, string what, TimeSpan? timeout = null)
        where T : KubeObject =>
        Eventually.WaitAsync(() => client.GetAsync<T>(name, ns), until, timeout ?? Timeout, what);

    public static Task WaitForGoneAsync<T>(MiniKubeClient client, string name, string? ns, TimeSpan? timeout = null) where T : KubeObject =>
        Eventually.WaitAsync(async () =>
        {
            try
            {
                await client.GetAsync<T>(name, ns);
                return false;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return true;
            }
        }, timeout ?? Timeout, $"{typeof(T).Name} {ns}/{name} to be gone");

    public static async Task<IReadOnlyList<Event>> EventsAsync(MiniKubeClient client, string ns, string involvedName) =>
        [.. (await client.ListAsync<Event>(ns)).Items.Where(e => e.InvolvedObject.Name == involvedName)];
}
