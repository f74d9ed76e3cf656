using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE</c> (+ wide SELECTOR).</summary>
public sealed class ServiceTable : ResourceTable<Service>
{
    public ServiceTable()
    {
        NameColumn();
        Column("TYPE", s => s.Spec?.Type ?? ServiceType.ClusterIP);
        Column("CLUSTER-IP", s => Text.OrNone(s.Spec?.ClusterIP));
        Column("EXTERNAL-IP", ExternalIp);
        Column("PORT(S)", Ports);
        AgeColumn();
        Wide("SELECTOR", s => Text.Labels(s.Spec?.Selector));
    }

    public static string ExternalIp(Service service)
    {
        var spec = service.Spec;
        var external = spec?.ExternalIPs ?? [];
        switch (spec?.Type ?? ServiceType.ClusterIP)
        {
            case ServiceType.ExternalName:
                return Text.OrNone(spec?.ExternalName);
            case ServiceType.LoadBalancer:
                var ingress = service.Status?.LoadBalancer?.Ingress?
                    .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname ?? "")
                    .Where(i => i.Length > 0) ?? [];
                var all = ingress.Concat(external).ToList();
                return all.Count == 0 ? "<pending>" : string.Join(",", all);
            default:
                return external.Count == 0 ? Text.None : string.Join(",", external);
        }
    }

    /// <summary><c>80/TCP</c>, <c>80:30080/TCP</c> for a node port, comma-separated.</summary>
    public static string Ports(Service service)
    {
        var ports = service.Spec?.Ports ?? [];
        if (ports.Count == 0)
        {
            return Text.None;
        }
        return string.Join(",", ports.Select(p =>
        {
            var port = p.Port.ToString(CultureInfo.InvariantCulture);
            if (p.NodePort is { } node and not 0)
            {
                port += ":" + node.ToString(CultureInfo.InvariantCulture);
            }
            return port + "/" + (p.Protocol ?? Api.Protocol.Tcp);
        }));
    }
}

/// <summary><c>NAME ENDPOINTS AGE</c>: up to three <c>ip:port</c> pairs, then <c>+ N more...</c>.</summary>
public sealed class EndpointsTable : ResourceTable<Endpoints>
{
    private const int MaxShown = 3;

    public EndpointsTable()
    {
        NameColumn();
        Column("ENDPOINTS", Format);
        AgeColumn();
    }

    public static string Format(Endpoints endpoints)
    {
        var all = new List<string>();
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var addresses = subset.Addresses ?? [];
            var ports = subset.Ports ?? [];
            if (ports.Count == 0)
            {
                all.AddRange(addresses.Select(a => a.Ip));
                continue;
            }
            foreach (var port in ports)
            {
                all.AddRange(addresses.Select(a => a.Ip + ":" + port.Port.ToString(CultureInfo.InvariantCulture)));
            }
        }
        if (all.Count == 0)
        {
            return Text.None;
        }
        var shown = string.Join(",", all.Take(MaxShown));
        return all.Count > MaxShown ? $"{shown} + {(all.Count - MaxShown).ToString(CultureInfo.InvariantCulture)} more..." : shown;
    }
}

/// <summary><c>NAME ADDRESSTYPE PORTS ENDPOINTS AGE</c>: up to three ports and three addresses, then <c>+ N more...</c>.</summary>
public sealed class EndpointSliceTable : ResourceTable<EndpointSlice>
{
    private const int MaxShown = 3;

    public EndpointSliceTable()
    {
        NameColumn();
        Column("ADDRESSTYPE", s => s.AddressType);
        Column("PORTS", s => Ports(s));
        Column("ENDPOINTS", s => Addresses(s));
        AgeColumn();
    }

    /// <summary>Port numbers (a port without a number shows its name, or <c>*</c>); <c>&lt;unset&gt;</c> when there are none.</summary>
    public static string Ports(EndpointSlice slice) =>
        WithMore((slice.Ports ?? []).Select(p => p.Port is { } n ? n.ToString(CultureInfo.InvariantCulture) : string.IsNullOrEmpty(p.Name) ? "*" : p.Name).ToList());

    public static string Addresses(EndpointSlice slice) => WithMore((slice.Endpoints ?? []).SelectMany(e => e.Addresses).ToList());

    private static string WithMore(List<string> all)
    {
        if (all.Count == 0)
        {
            return "<unset>";
        }
        var shown = string.Join(",", all.Take(MaxShown));
        return all.Count > MaxShown ? $"{shown} + {(all.Count - MaxShown).ToString(CultureInfo.InvariantCulture)} more..." : shown;
    }
}
