using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// Makes a container's image present according to its imagePullPolicy, with Kubernetes' events (Pulling, Pulled,
/// Failed, BackOff, ErrImageNeverPull) and waiting reasons (ErrImagePull, then ImagePullBackOff while backing off).
/// Concurrent pulls of one image share a single engine pull. With <paramref name="localOnly"/> (<c>--image-pull-mode=local</c>)
/// the engine is never asked to pull from a registry off this machine: a present image is used whatever the policy (Always
/// behaves as IfNotPresent), an absent one fails as a pull would, with ErrImagePull and then ImagePullBackOff.
/// </summary>
internal sealed partial class ImageManager(IContainerRuntime runtime, EventRecorder? events, BackOff backOff, bool localOnly, ILogger logger)
{
    private static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Lazy<Task>> _pulls = new(StringComparer.Ordinal);
    // Images seen present lately: a burst of pods with one image asks the engine once, not once per container.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _present = new(StringComparer.Ordinal);

    /// <summary>Kubernetes' default: Always for <c>:latest</c> or untagged images, else IfNotPresent.</summary>
    public static string EffectivePolicy(Container container)
    {
        if (!string.IsNullOrEmpty(container.ImagePullPolicy))
        {
            return container.ImagePullPolicy;
        }
        var image = container.Image ?? "";
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return PullPolicy.IfNotPresent;
        }
        var (_, tag) = DockerRuntime.SplitImage(image);
        return tag == "latest" ? PullPolicy.Always : PullPolicy.IfNotPresent;
    }

    /// <summary>Null when the image is ready; otherwise why the container waits and when to try again.</summary>
    public async Task<(WaitingReason? Waiting, TimeSpan? RetryAfter)> EnsureAsync(Pod pod, Container container, CancellationToken ct)
    {
        var image = container.Image ?? "";
        var policy = EffectivePolicy(container);
        var present = await ExistsAsync(image, ct).ConfigureAwait(false);
        if (policy == PullPolicy.Never)
        {
            if (present)
            {
                events?.Normal(pod, "Pulled", $"Container image \"{image}\" already present on machine");
                return (null, null);
            }
            var message = $"Container image \"{image}\" is not present with pull policy of Never";
            events?.Warning(pod, "ErrImageNeverPull", message);
            events?.Warning(pod, "Failed", "Error: ErrImageNeverPull");
            return (new WaitingReason("ErrImageNeverPull", message), TimeSpan.FromSeconds(10));
        }
        // In local mode an image whose registry is off this machine comes from the local store or not at all.
        var mayPull = !localOnly || ImageReference.IsOnLoopbackRegistry(image);
        if (present && (policy == PullPolicy.IfNotPresent || !mayPull))
        {
            events?.Normal(pod, "Pulled", $"Container image \"{image}\" already present on machine");
            return (null, null);
        }
        var key = $"{pod.Metadata.Uid}/{container.Name}/{image}";
        if (backOff.IsInBackOffSinceUpdate(key, out var remaining))
        {
            events?.Normal(pod, "BackOff", $"Back-off pulling image \"{image}\"");
            events?.Warning(pod, "Failed", "Error: ImagePullBackOff");
            return (new WaitingReason("ImagePullBackOff", $"Back-off pulling image \"{image}\""), remaining);
        }
        if (!mayPull)
        {
            return PullFailed(pod, image, key, NotLocalMessage(image));
        }
        events?.Normal(pod, "Pulling", $"Pulling image \"{image}\"");
        var clock = Stopwatch.StartNew();
        try
        {
            await PullSharedAsync(image, ct).ConfigureAwait(false);
        }
        catch (ImagePullException ex) when (present)
        {
            // Policy Always with no registry reachable: the local copy is what a registry would have served last.
            LogPullFellBack(logger, image, ex.Message);
            events?.Normal(pod, "Pulled", $"Container image \"{image}\" already present on machine (pull failed: {ex.Message})");
            return (null, null);
        }
        catch (ImagePullException ex)
        {
            return PullFailed(pod, image, key, ex.Message);
        }
        backOff.Reset(key);
        var seconds = clock.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        events?.Normal(pod, "Pulled", $"Successfully pulled image \"{image}\" in {seconds}s ({seconds}s including waiting)");
        return (null, null);
    }

    /// <summary>The ErrImagePull message of an absent image that local mode will not pull.</summary>
    public static string NotLocalMessage(string image) =>
        $"image \"{image}\" is not present locally and pulls from non-local registries are disabled (--image-pull-mode={ImagePullModes.Local}): " +
        $"build or load it on this machine (docker build / docker load), or run the kubelet with --image-pull-mode={ImagePullModes.Registry}";

    private (WaitingReason? Waiting, TimeSpan? RetryAfter) PullFailed(Pod pod, string image, string key, string message)
    {
        backOff.Next(key, backOff.Now);
        events?.Warning(pod, "Failed", $"Failed to pull image \"{image}\": {message}");
        events?.Warning(pod, "Failed", "Error: ErrImagePull");
        // Back soon to show ImagePullBackOff, as Kubernetes does on its next sync.
        return (new WaitingReason("ErrImagePull", message), TimeSpan.FromSeconds(1));
    }

    private async Task<bool> ExistsAsync(string image, CancellationToken ct)
    {
        var now = backOff.Now;
        if (_present.TryGetValue(image, out var seen) && now - seen < PresenceTtl)
        {
            return true;
        }
        var exists = await runtime.ImageExistsAsync(image, ct).ConfigureAwait(false);
        if (exists)
        {
            _present[image] = now;
        }
        else
        {
            _present.TryRemove(image, out _);
        }
        return exists;
    }

    private async Task PullSharedAsync(string image, CancellationToken ct)
    {
        var pull = _pulls.GetOrAdd(image, i => new Lazy<Task>(() => runtime.PullImageAsync(i, CancellationToken.None)));
        try
        {
            await pull.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (pull.Value.IsCompleted)
            {
                _pulls.TryRemove(new KeyValuePair<string, Lazy<Task>>(image, pull));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull of {Image} failed ({Reason}); using the local image")]
    private static partial void LogPullFellBack(ILogger logger, string image, string reason);
}
