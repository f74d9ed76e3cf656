using System.Net;

namespace MiniKube.Kubelet;

/// <summary>The kubelet's <c>--image-pull-mode</c> values.</summary>
public static class ImagePullModes
{
    /// <summary>Never asks the engine to pull from a registry off this machine: images come from the local store (MiniKube's default).</summary>
    public const string Local = "local";

    /// <summary>Kubernetes' behaviour: pulls follow imagePullPolicy from any registry.</summary>
    public const string Registry = "registry";
}

/// <summary>Where an image reference points, by Docker's rules for the first path component.</summary>
internal static class ImageReference
{
    /// <summary>
    /// The registry host (with port) of <paramref name="image"/>: the first component when it looks like a host (has a '.'
    /// or ':' or is <c>localhost</c>), else <c>docker.io</c> — which is where the engine would go for <c>busybox</c> or
    /// <c>minikube/pause</c>.
    /// </summary>
    public static string Registry(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return "docker.io";
        }
        var first = image[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"
            ? first
            : "docker.io";
    }

    /// <summary>True when pulling <paramref name="image"/> only talks to this machine: its registry is localhost or a loopback address.</summary>
    public static bool IsOnLoopbackRegistry(string image)
    {
        var registry = Registry(image);
        string host;
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? registry[1..close] : registry;
        }
        else
        {
            var colon = registry.LastIndexOf(':');
            host = colon >= 0 ? registry[..colon] : registry;
        }
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
