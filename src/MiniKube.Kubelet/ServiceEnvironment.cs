using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using ApiProtocol = MiniKube.Api.Protocol;

namespace MiniKube.Kubelet;

/// <summary>
/// The Service environment variables Kubernetes' kubelet gives every container: those of <c>default/kubernetes</c> always, and
/// with <c>enableServiceLinks</c> (the default) those of every Service with a ClusterIP in the pod's namespace, named
/// <c>&lt;NAME&gt;_SERVICE_HOST</c>, <c>_SERVICE_PORT</c>, <c>_SERVICE_PORT_&lt;PORTNAME&gt;</c> and the Docker-link style
/// <c>&lt;NAME&gt;_PORT</c>, <c>&lt;NAME&gt;_PORT_&lt;port&gt;_&lt;PROTO&gt;[_PROTO|_PORT|_ADDR]</c> (upper case, '-' → '_').
/// Read from the kubelet's Service informer, not one API call per container.
/// </summary>
internal sealed class ServiceEnvironment(Func<CancellationToken, Task<IReadOnlyList<Service>>> services)
{
    /// <summary>From the kubelet's Service informer: waits for its first list at kubelet start, then reads its cache.</summary>
    public static ServiceEnvironment FromInformer(Informer<Service> informer) => new(async ct =>
    {
        if (!informer.HasSynced)
        {
            try
            {
                await informer.WaitForSyncAsync(ct).WaitAsync(SyncWait, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new ContainerConfigException("services have not yet been read at least once, cannot construct envvars");
            }
        }
        return informer.Cache.List();
    });

    public const string MasterServiceName = "kubernetes";

    /// <summary>How long a container start waits for the informer's first list (at kubelet start) before failing as Kubernetes does.</summary>
    private static readonly TimeSpan SyncWait = TimeSpan.FromSeconds(10);

    /// <summary>The variables for a pod, sorted by name.</summary>
    public async Task<IReadOnlyList<(string Name, string Value)>> ForAsync(Pod pod, CancellationToken ct) =>
        Build(pod.Metadata.Namespace ?? WellKnownNamespaces.Default, pod.Spec?.EnableServiceLinks ?? true, await services(ct).ConfigureAwait(false));

    public static IReadOnlyList<(string Name, string Value)> Build(string podNamespace, bool enableServiceLinks, IEnumerable<Service> all)
    {
        // As Kubernetes' getServiceEnvVarMap: the pod's own namespace wins over default/kubernetes for the name "kubernetes".
        var chosen = new SortedDictionary<string, Service>(StringComparer.Ordinal);
        foreach (var service in all)
        {
            if (!HasClusterIP(service))
            {
                continue;
            }
            var name = service.Metadata.Name ?? "";
            if (service.Metadata.Namespace == WellKnownNamespaces.Default && name == MasterServiceName)
            {
                chosen.TryAdd(name, service);
            }
            else if (service.Metadata.Namespace == podNamespace && enableServiceLinks)
            {
                chosen[name] = service;
            }
        }
        var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, service) in chosen)
        {
            Add(vars, name, service);
        }
        return [.. vars.Select(v => (v.Key, v.Value))];
    }

    private static bool HasClusterIP(Service service) => service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None";

    private static void Add(SortedDictionary<string, string> vars, string serviceName, Service service)
    {
        var spec = service.Spec!;
        var ip = spec.ClusterIP!;
        var prefix = VariableName(serviceName);
        vars[prefix + "_SERVICE_HOST"] = ip;
        var ports = spec.Ports ?? [];
        if (ports.Count == 0)
        {
            return;
        }
        vars[prefix + "_SERVICE_PORT"] = Text(ports[0].Port);
        foreach (var port in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
        {
            vars[prefix + "_SERVICE_PORT_" + VariableName(port.Name!)] = Text(port.Port);
        }
        for (var i = 0; i < ports.Count; i++)
        {
            var protocol = string.IsNullOrEmpty(ports[i].Protocol) ? ApiProtocol.Tcp : ports[i].Protocol!;
            var url = protocol.ToLowerInvariant() + "://" + ip + ":" + Text(ports[i].Port);
            if (i == 0)
            {
                vars[prefix + "_PORT"] = url;
            }
            var link = prefix + "_PORT_" + Text(ports[i].Port) + "_" + protocol.ToUpperInvariant();
            vars[link] = url;
            vars[link + "_PROTO"] = protocol.ToLowerInvariant();
            vars[link + "_PORT"] = Text(ports[i].Port);
            vars[link + "_ADDR"] = ip;
        }
    }

    private static string VariableName(string name) => name.Replace('-', '_').ToUpperInvariant();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
