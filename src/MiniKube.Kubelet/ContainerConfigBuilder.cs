using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>A container's configuration cannot be made (a missing key, an unknown field): CreateContainerConfigError.</summary>
public sealed class ContainerConfigException(string message) : Exception(message);

/// <summary>
/// Turns a pod's container into the runtime's <see cref="ContainerSpec"/> with Kubernetes' semantics: command →
/// entrypoint, args → cmd, env with <c>$(VAR)</c> expansion and valueFrom, volume mounts, and resources
/// (limits.cpu → NanoCPUs, limits.memory → bytes, requests.cpu → CPU shares).
/// </summary>
internal sealed class ContainerConfigBuilder(LastKnownObjects? objects, string nodeName, ServiceEnvironment? serviceEnvironment = null)
{
    public const string HostIp = "127.0.0.1";

    public async Task<ContainerSpec> BuildAsync(Pod pod, Container container, RuntimeContainer sandbox, IReadOnlyDictionary<string, string> volumePaths,
        int restartCount, CancellationToken cancellationToken)
    {
        var meta = pod.Metadata;
        var env = await ResolveEnvAsync(pod, container, sandbox.IpAddress ?? "", cancellationToken).ConfigureAwait(false);
        var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in env)
        {
            lookup[name] = value;
        }
        var mounts = new List<MountSpec>();
        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumePaths.TryGetValue(mount.Name, out var hostPath))
            {
                throw new ContainerConfigException($"volumeMount \"{mount.Name}\" refers to no volume of the pod");
            }
            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                hostPath = Path.Combine(hostPath, mount.SubPath);
                Directory.CreateDirectory(hostPath);
            }
            mounts.Add(new MountSpec(hostPath, mount.MountPath, mount.ReadOnly ?? false));
        }
        if (volumePaths.TryGetValue(ServiceAccountTokenVolume.VolumeKey, out var tokenDir))
        {
            mounts.Add(new MountSpec(tokenDir, ServiceAccountTokenVolume.MountPath, ReadOnly: true));
        }
        var (nanoCpus, memory, shares) = Resources(container.Resources);
        return new ContainerSpec
        {
            Name = ContainerLabels.ContainerDockerName(container.Name, meta.Name ?? "", meta.Namespace ?? "", meta.Uid ?? "", restartCount),
            Image = container.Image ?? "",
            SandboxId = sandbox.Id,
            Labels = ContainerLabels.ForContainer(nodeName, meta.Namespace ?? "", meta.Name ?? "", meta.Uid ?? "", container.Name, restartCount, sandbox.Id,
                SpecHash(container)),
            Entrypoint = container.Command is { Count: > 0 } command ? [.. command.Select(c => Expand(c, lookup))] : null,
            Cmd = container.Args is { Count: > 0 } args ? [.. args.Select(a => Expand(a, lookup))] : null,
            Env = [.. env.Select(e => e.Name + "=" + e.Value)],
            WorkingDir = string.IsNullOrEmpty(container.WorkingDir) ? null : container.WorkingDir,
            Mounts = mounts,
            NanoCpus = nanoCpus,
            MemoryBytes = memory,
            CpuShares = shares,
            Stdin = container.Stdin ?? false,
            StdinOnce = container.StdinOnce ?? false,
            Tty = container.Tty ?? false,
            Privileged = container.SecurityContext?.Privileged ?? false,
        };
    }

    /// <summary>
    /// A short hash of the container's spec: a running container whose spec changed is restarted. Resources and resize
    /// policies are left out, as Kubernetes hashes containers without them: a resize is applied in place (PodResizer).
    /// </summary>
    public static string SpecHash(Container container)
    {
        var bytes = SHA256.HashData(KubeSerializer.ToJsonBytes(container with { Resources = null, ResizePolicy = null }));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 8));
    }

    public static (long? NanoCpus, long? MemoryBytes, long CpuShares) Resources(ResourceRequirements? resources)
    {
        long? nanoCpus = null;
        long? memory = null;
        Quantity? cpuRequest = null;
        if (resources?.Limits is { } limits)
        {
            if (limits.TryGetValue(ResourceName.Cpu, out var cpu) && cpu.Sign > 0)
            {
                nanoCpus = cpu.MilliValue * 1_000_000;
                cpuRequest = cpu;
            }
            if (limits.TryGetValue(ResourceName.Memory, out var mem) && mem.Sign > 0)
            {
                memory = mem.Value;
            }
        }
        if (resources?.Requests is { } requests && requests.TryGetValue(ResourceName.Cpu, out var request))
        {
            cpuRequest = request;
        }
        // Kubernetes' MilliCPUToShares: shares = milli * 1024 / 1000, at least 2 (also for best-effort containers).
        var shares = Math.Max(2, (cpuRequest?.MilliValue ?? 0) * 1024 / 1000);
        return (nanoCpus, memory, shares);
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> expansion: known variables are replaced, <c>$$</c> escapes, anything else stays.</summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> vars)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }
        var sb = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '$' && i + 1 < input.Length)
            {
                if (input[i + 1] == '$')
                {
                    sb.Append('$');
                    i++;
                    continue;
                }
                if (input[i + 1] == '(')
                {
                    var close = input.IndexOf(')', i + 2);
                    if (close > 0)
                    {
                        var name = input[(i + 2)..close];
                        if (vars.TryGetValue(name, out var value))
                        {
                            sb.Append(value);
                            i = close;
                            continue;
                        }
                    }
                }
            }
            sb.Append(input[i]);
        }
        return sb.ToString();
    }

    private async Task<List<(string Name, string Value)>> ResolveEnvAsync(Pod pod, Container container, string podIp, CancellationToken ct)
    {
        var result = new List<(string Name, string Value)>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string name, string value)
        {
            var index = result.FindIndex(e => e.Name == name);
            if (index >= 0)
            {
                result[index] = (name, value);
            }
            else
            {
                result.Add((name, value));
            }
            values[name] = value;
        }
        // As Kubernetes: $(VAR) in env values sees the Service variables, but any variable the container sets itself wins.
        var serviceVars = serviceEnvironment is null ? [] : await serviceEnvironment.ForAsync(pod, ct).ConfigureAwait(false);
        foreach (var (name, value) in serviceVars)
        {
            values[name] = value;
        }
        var ns = pod.Metadata.Namespace ?? "default";
        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } cmRef)
            {
                var cm = await GetAsync<ConfigMap>(cmRef.Name ?? "", ns, cmRef.Optional ?? false, "configmap", ct).ConfigureAwait(false);
                foreach (var (k, v) in cm?.Data ?? new Dictionary<string, string>())
                {
                    Set(prefix + k, v);
                }
            }
            if (source.SecretRef is { } secretRef)
            {
                var secret = await GetAsync<Secret>(secretRef.Name ?? "", ns, secretRef.Optional ?? false, "secret", ct).ConfigureAwait(false);
                foreach (var (k, v) in secret?.Data ?? new Dictionary<string, byte[]>())
                {
                    Set(prefix + k, Encoding.UTF8.GetString(v));
                }
            }
        }
        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                Set(env.Name, Expand(env.Value ?? "", values));
                continue;
            }
            var from = env.ValueFrom;
            if (from.FieldRef is { } fieldRef)
            {
                Set(env.Name, FieldValue(pod, fieldRef.FieldPath, podIp));
            }
            else if (from.ResourceFieldRef is { } resourceRef)
            {
                Set(env.Name, ResourceValue(pod, container, resourceRef));
            }
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var cm = await GetAsync<ConfigMap>(cmKey.Name ?? "", ns, cmKey.Optional ?? false, "configmap", ct).ConfigureAwait(false);
                if (cm?.Data?.TryGetValue(cmKey.Key, out var value) == true)
                {
                    Set(env.Name, value);
                }
                else if (!(cmKey.Optional ?? false))
                {
                    throw new ContainerConfigException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                }
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                var secret = await GetAsync<Secret>(secretKey.Name ?? "", ns, secretKey.Optional ?? false, "secret", ct).ConfigureAwait(false);
                if (secret?.Data?.TryGetValue(secretKey.Key, out var value) == true)
                {
                    Set(env.Name, Encoding.UTF8.GetString(value));
                }
                else if (!(secretKey.Optional ?? false))
                {
                    throw new ContainerConfigException($"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
                }
            }
        }
        var own = result.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        result.AddRange(serviceVars.Where(v => !own.Contains(v.Name)));
        return result;
    }

    private async Task<T?> GetAsync<T>(string name, string ns, bool optional, string what, CancellationToken ct) where T : KubeObject
    {
        if (objects is null)
        {
            return null;
        }
        try
        {
            return await objects.GetAsync<T>(name, ns, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return optional ? null : throw new ContainerConfigException($"{what} \"{name}\" not found");
        }
    }

    internal string FieldValue(Pod pod, string path, string podIp)
    {
        var meta = pod.Metadata;
        switch (path)
        {
            case "metadata.name":
                return meta.Name ?? "";
            case "metadata.namespace":
                return meta.Namespace ?? "";
            case "metadata.uid":
                return meta.Uid ?? "";
            case "metadata.labels":
                return FormatMap(meta.Labels);
            case "metadata.annotations":
                return FormatMap(meta.Annotations);
            case "spec.nodeName":
                return pod.Spec?.NodeName ?? nodeName;
            case "spec.serviceAccountName":
                return pod.Spec?.ServiceAccountName ?? "";
            case "status.podIP":
            case "status.podIPs":
                return podIp;
            case "status.hostIP":
            case "status.hostIPs":
                return HostIp;
        }
        if (TrySubscript(path, "metadata.labels", out var labelKey))
        {
            return meta.Labels?.GetValueOrDefault(labelKey) ?? "";
        }
        if (TrySubscript(path, "metadata.annotations", out var annotationKey))
        {
            return meta.Annotations?.GetValueOrDefault(annotationKey) ?? "";
        }
        throw new ContainerConfigException($"unsupported fieldRef fieldPath \"{path}\"");
    }

    private static bool TrySubscript(string path, string prefix, out string key)
    {
        key = "";
        if (!path.StartsWith(prefix + "[", StringComparison.Ordinal) || !path.EndsWith(']'))
        {
            return false;
        }
        key = path[(prefix.Length + 1)..^1].Trim('\'', '"');
        return true;
    }

    private static string FormatMap(IReadOnlyDictionary<string, string>? map) =>
        map is null ? "" : string.Join('\n', map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}=\"{kv.Value}\""));

    private static string ResourceValue(Pod pod, Container container, ResourceFieldSelector selector)
    {
        var target = string.IsNullOrEmpty(selector.ContainerName)
            ? container
            : pod.Spec?.Containers.FirstOrDefault(c => c.Name == selector.ContainerName)
              ?? throw new ContainerConfigException($"resourceFieldRef names unknown container \"{selector.ContainerName}\"");
        var (kind, resource) = selector.Resource.Split('.', 2) switch
        {
            [var k, var r] => (k, r),
            _ => throw new ContainerConfigException($"unsupported resourceFieldRef resource \"{selector.Resource}\""),
        };
        var map = kind == "limits" ? target.Resources?.Limits : target.Resources?.Requests;
        var divisor = selector.Divisor is { Sign: > 0 } d ? d : Quantity.FromValue(1);
        if (map is null || !map.TryGetValue(resource, out var value))
        {
            return "0";
        }
        var result = Math.Ceiling(value.Amount / divisor.Amount);
        return ((long)result).ToString(CultureInfo.InvariantCulture);
    }
}
