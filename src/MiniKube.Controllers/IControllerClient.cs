using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers;

/// <summary>
/// The writes (and the few uncached reads) controllers make against the API server. A seam, so unit tests can run
/// one reconcile against seeded caches and assert the calls; production uses <see cref="ApiControllerClient"/>.
/// </summary>
public interface IControllerClient
{
    Task<KubeObject> CreateAsync(KubeObject obj, CancellationToken cancellationToken);

    Task<KubeObject> GetAsync(ResourceInfo resource, string name, string? ns, CancellationToken cancellationToken);

    Task<IReadOnlyList<KubeObject>> ListAsync(ResourceInfo resource, string? ns, CancellationToken cancellationToken);

    Task<KubeObject> UpdateAsync(KubeObject obj, CancellationToken cancellationToken);

    Task<KubeObject> UpdateStatusAsync(KubeObject obj, CancellationToken cancellationToken);

    /// <summary>JSON merge patch (RFC 7386) of the object (not its status).</summary>
    Task<KubeObject> PatchAsync(ResourceInfo resource, string name, string? ns, string mergePatch, CancellationToken cancellationToken);

    Task DeleteAsync(ResourceInfo resource, string name, string? ns, DeleteOptions? options, CancellationToken cancellationToken);
}

/// <summary><see cref="IControllerClient"/> over the gRPC <see cref="MiniKubeClient"/>.</summary>
public sealed class ApiControllerClient(MiniKubeClient client) : IControllerClient
{
    public MiniKubeClient Client => client;

    public Task<KubeObject> CreateAsync(KubeObject obj, CancellationToken cancellationToken) =>
        client.CreateAsync(obj, dryRun: false, cancellationToken);

    public Task<KubeObject> GetAsync(ResourceInfo resource, string name, string? ns, CancellationToken cancellationToken) =>
        client.GetAsync(resource, name, ns, cancellationToken);

    public async Task<IReadOnlyList<KubeObject>> ListAsync(ResourceInfo resource, string? ns, CancellationToken cancellationToken) =>
        (await client.ListAsync(resource, ns, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;

    public Task<KubeObject> UpdateAsync(KubeObject obj, CancellationToken cancellationToken) => client.UpdateAsync(obj, cancellationToken);

    public Task<KubeObject> UpdateStatusAsync(KubeObject obj, CancellationToken cancellationToken) => client.UpdateStatusAsync(obj, cancellationToken);

    public Task<KubeObject> PatchAsync(ResourceInfo resource, string name, string? ns, string mergePatch, CancellationToken cancellationToken) =>
        client.PatchAsync(resource, name, ns, mergePatch, status: false, cancellationToken);

    public Task DeleteAsync(ResourceInfo resource, string name, string? ns, DeleteOptions? options, CancellationToken cancellationToken) =>
        client.DeleteAsync(resource, name, ns, options, cancellationToken);
}

/// <summary>Typed conveniences over <see cref="IControllerClient"/>.</summary>
public static class ControllerClientExtensions
{
    public static async Task<T> CreateAsync<T>(this IControllerClient client, T obj, CancellationToken cancellationToken) where T : KubeObject =>
        (T)await client.CreateAsync((KubeObject)obj, cancellationToken).ConfigureAwait(false);

    public static async Task<T> GetAsync<T>(this IControllerClient client, string name, string? ns, CancellationToken cancellationToken)
        where T : KubeObject =>
        (T)await client.GetAsync(ResourceRegistry.For<T>(), name, ns, cancellationToken).ConfigureAwait(false);

    public static async Task<IReadOnlyList<T>> ListAsync<T>(this IControllerClient client, string? ns, CancellationToken cancellationToken)
        where T : KubeObject =>
        [.. (await client.ListAsync(ResourceRegistry.For<T>(), ns, cancellationToken).ConfigureAwait(false)).Cast<T>()];

    public static async Task<T> UpdateAsync<T>(this IControllerClient client, T obj, CancellationToken cancellationToken) where T : KubeObject =>
        (T)await client.UpdateAsync((KubeObject)obj, cancellationToken).ConfigureAwait(false);

    public static async Task<T> UpdateStatusAsync<T>(this IControllerClient client, T obj, CancellationToken cancellationToken) where T : KubeObject =>
        (T)await client.UpdateStatusAsync((KubeObject)obj, cancellationToken).ConfigureAwait(false);

    public static async Task<T> PatchAsync<T>(this IControllerClient client, string name, string? ns, string mergePatch, CancellationToken cancellationToken)
        where T : KubeObject =>
        (T)await client.PatchAsync(ResourceRegistry.For<T>(), name, ns, mergePatch, cancellationToken).ConfigureAwait(false);

    public static Task DeleteAsync<T>(this IControllerClient client, string name, string? ns, DeleteOptions? options, CancellationToken cancellationToken)
        where T : KubeObject =>
        client.DeleteAsync(ResourceRegistry.For<T>(), name, ns, options, cancellationToken);
}
