using System.Text;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>A volume cannot be set up: FailedMount.</summary>
public sealed class VolumeMountException(string message) : Exception(message);

/// <summary>
/// Pod volumes on the host: emptyDir as a directory under the node's root dir
/// (<c>&lt;root&gt;/pods/&lt;uid&gt;/volumes/&lt;name&gt;</c>, removed with the pod), hostPath as given, and configMap / secret /
/// downwardAPI volumes written as files there too; and the service account token volume (<see cref="ServiceAccountTokenVolume"/>).
/// </summary>
internal sealed class PodVolumes(string nodeRootDir, LastKnownObjects? objects, ServiceAccountTokenVolume? tokens = null)
{
    public ServiceAccountTokenVolume? Tokens => tokens;

    public string PodsDir => Path.Combine(nodeRootDir, "pods");

    public string PodDir(string uid) => Path.Combine(PodsDir, uid);

    /// <summary>Makes every volume of the pod and returns its host path by volume name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SetUpAsync(Pod pod, CancellationToken cancellationToken)
    {
        var uid = pod.Metadata.Uid ?? throw new VolumeMountException("the pod has no UID");
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            var dir = Path.Combine(PodDir(uid), "volumes", volume.Name);
            if (volume.HostPath is { } hostPath)
            {
                paths[volume.Name] = SetUpHostPath(volume.Name, hostPath);
            }
            else if (volume.EmptyDir is not null)
            {
                Directory.CreateDirectory(dir);
                paths[volume.Name] = dir;
            }
            else if (volume.ConfigMap is { } configMap)
            {
                var cm = await GetAsync<ConfigMap>(configMap.Name ?? "", pod.Metadata.Namespace, configMap.Optional ?? false, cancellationToken).ConfigureAwait(false);
                var data = (cm?.Data ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);
                WriteFiles(dir, data, configMap.Items);
                paths[volume.Name] = dir;
            }
            else if (volume.Secret is { } secretSource)
            {
                var secret = await GetAsync<Secret>(secretSource.SecretName ?? "", pod.Metadata.Namespace, secretSource.Optional ?? false, cancellationToken)
                    .ConfigureAwait(false);
                WriteFiles(dir, (secret?.Data ?? new Dictionary<string, byte[]>()).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), secretSource.Items);
                paths[volume.Name] = dir;
            }
            else if (volume.DownwardAPI is { } downward)
            {
                var builder = new ContainerConfigBuilder(null, pod.Spec?.NodeName ?? "");
                var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var item in downward.Items ?? [])
                {
                    if (item.FieldRef is { } fieldRef)
                    {
                        files[item.Path] = Encoding.UTF8.GetBytes(builder.FieldValue(pod, fieldRef.FieldPath, pod.Status?.PodIP ?? ""));
                    }
                }
                WriteFiles(dir, files, null);
                paths[volume.Name] = dir;
            }
            else
            {
                throw new VolumeMountException($"volume \"{volume.Name}\" has a type this kubelet does not support (use emptyDir, hostPath, configMap, secret or downwardAPI)");
            }
        }
        if (tokens is not null && await tokens.WantedAsync(pod, cancellationToken).ConfigureAwait(false))
        {
            // "~" cannot be in a volume name, so no volume of the pod shares this directory.
            var dir = Path.Combine(PodDir(uid), "volumes", "kubernetes.io~serviceaccount");
            await tokens.SetUpAsync(pod, dir, cancellationToken).ConfigureAwait(false);
            paths[ServiceAccountTokenVolume.VolumeKey] = dir;
        }
        return paths;
    }

    /// <summary>Removes the pod's directory (its emptyDirs); hostPath volumes are left alone.</summary>
    public void TearDown(string uid)
    {
        tokens?.Forget(uid);
        var dir = PodDir(uid);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>UIDs that still have a directory on this node.</summary>
    public IReadOnlyList<string> PodUidsOnDisk() =>
        Directory.Exists(PodsDir) ? [.. Directory.EnumerateDirectories(PodsDir).Select(Path.GetFileName).OfType<string>()] : [];

    private static string SetUpHostPath(string name, HostPathVolumeSource source)
    {
        var path = source.Path;
        switch (source.Type)
        {
            case "DirectoryOrCreate":
                Directory.CreateDirectory(path);
                break;
            case "Directory" when !Directory.Exists(path):
                throw new VolumeMountException($"hostPath type check failed: {path} is not a directory");
            case "FileOrCreate" when !File.Exists(path):
                Directory.CreateDirectory(Path.GetDirectoryName(path) ?? "/");
                File.WriteAllBytes(path, []);
                break;
            case "File" when !File.Exists(path):
                throw new VolumeMountException($"hostPath type check failed: {path} is not a file");
            case "Socket" or "CharDevice" or "BlockDevice" when !File.Exists(path):
                throw new VolumeMountException($"hostPath type check failed: {path} does not exist");
        }
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path))
        {
            throw new VolumeMountException($"volume \"{name}\": hostPath.path \"{path}\" must be an absolute path");
        }
        return path;
    }

    private static void WriteFiles(string dir, IReadOnlyDictionary<string, byte[]> data, IReadOnlyList<KeyToPath>? items)
    {
        Directory.CreateDirectory(dir);
        var selected = items is { Count: > 0 }
            ? items.Where(i => data.ContainsKey(i.Key)).Select(i => (i.Path, data[i.Key]))
            : data.Select(kv => (kv.Key, kv.Value));
        foreach (var (relative, bytes) in selected)
        {
            var target = Path.GetFullPath(Path.Combine(dir, relative));
            if (!target.StartsWith(Path.GetFullPath(dir), StringComparison.Ordinal))
            {
                throw new VolumeMountException($"volume item path \"{relative}\" leaves the volume");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }
    }

    private async Task<T?> GetAsync<T>(string name, string? ns, bool optional, CancellationToken ct) where T : KubeObject
    {
        if (objects is null)
        {
            return null;
        }
        try
        {
            return await objects.GetAsync<T>(name, ns ?? "", ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound && optional)
        {
            return null;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            throw new VolumeMountException($"{typeof(T).Name.ToLowerInvariant()} \"{name}\" not found");
        }
    }
}
