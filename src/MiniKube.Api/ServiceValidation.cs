namespace MiniKube.Api;

/// <summary>Service and Endpoints validation.</summary>
public static partial class Validator
{
    private static readonly string[] ServiceTypes = [ServiceType.ClusterIP, ServiceType.ExternalName, ServiceType.LoadBalancer, ServiceType.NodePort];
    private static readonly string[] SessionAffinities = ["ClientIP", "None"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];
    private static readonly string[] IpFamilyPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"];

    public const int NodePortMin = 30000;
    public const int NodePortMax = 32767;

    private static void ValidateService(Service svc, List<FieldError> errs)
    {
        var spec = svc.Spec ?? new ServiceSpec();
        OneOf(spec.Type, "spec.type", ServiceTypes, errs);
        var type = string.IsNullOrEmpty(spec.Type) ? ServiceType.ClusterIP : spec.Type;
        var exposesNodePorts = type is ServiceType.NodePort or ServiceType.LoadBalancer;
        var headless = spec.ClusterIP == "None";

        if (type == ServiceType.ExternalName)
        {
            if (string.IsNullOrEmpty(spec.ExternalName))
            {
                errs.Add(FieldError.Required("spec.externalName"));
            }
            else
            {
                DnsSubdomain(spec.ExternalName.TrimEnd('.'), "spec.externalName", errs);
            }
            if (!string.IsNullOrEmpty(spec.ClusterIP))
            {
                errs.Add(FieldError.Forbidden("spec.clusterIP", "may not be set for ExternalName services"));
            }
        }

        var ports = spec.Ports ?? [];
        if (ports.Count == 0 && !headless && type != ServiceType.ExternalName)
        {
            errs.Add(FieldError.Required("spec.ports"));
        }
        // With several ports each needs a name: Endpoints and DNS SRV records tell them apart by it.
        var requireName = ports.Count > 1;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nodePorts = new HashSet<(int, string)>();
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var pp = Paths.Index("spec.ports", i);
            if (string.IsNullOrEmpty(p.Name))
            {
                if (requireName)
                {
                    errs.Add(FieldError.Required(Paths.Child(pp, "name")));
                }
            }
            else
            {
                DnsLabel(p.Name, Paths.Child(pp, "name"), errs);
                if (!names.Add(p.Name))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(pp, "name"), p.Name));
                }
            }
            PortNumber(p.Port, Paths.Child(pp, "port"), errs);
            OneOf(p.Protocol, Paths.Child(pp, "protocol"), Protocols, errs);
            // targetPort 0 / "" means "same as port" (the defaulter fills it in).
            if (p.TargetPort is { } target && !(target.IsInt && target.IntValue == 0) && !(target.IsString && target.StringValue.Length == 0))
            {
                PortNumberOrName(target, Paths.Child(pp, "targetPort"), errs);
            }
            if (p.NodePort is { } nodePort && nodePort != 0)
            {
                if (!exposesNodePorts)
                {
                    errs.Add(FieldError.Forbidden(Paths.Child(pp, "nodePort"), $"may not be used when `type` is '{type}'"));
                }
                else if (nodePort is < 1 or > 65535)
                {
                    errs.Add(FieldError.Invalid(Paths.Child(pp, "nodePort"), nodePort, PortRange));
                }
                // Whether it lies in --service-node-port-range and is free is the API server's allocator's to say.
                else if (!nodePorts.Add((nodePort, string.IsNullOrEmpty(p.Protocol) ? Protocol.Tcp : p.Protocol)))
                {
                    errs.Add(FieldError.Duplicate(Paths.Child(pp, "nodePort"), nodePort));
                }
            }
        }

        if (!string.IsNullOrEmpty(spec.ClusterIP) && !headless && !NameRules.IsIPv4(spec.ClusterIP))
        {
            errs.Add(FieldError.Invalid("spec.clusterIP", spec.ClusterIP, "must be empty, 'None', or a valid IPv4 address"));
        }
        var clusterIPs = spec.ClusterIPs ?? [];
        if (clusterIPs.Count > 0 && !string.IsNullOrEmpty(spec.ClusterIP) && clusterIPs[0] != spec.ClusterIP)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", clusterIPs[0], "must match `clusterIP`"));
        }
        if (clusterIPs.Count > 1)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs", string.Join(",", clusterIPs), "only one clusterIP is supported: this cluster is single-stack IPv4"));
        }
        if (spec.IpFamilies is { Count: > 0 } families && families.Any(f => f != "IPv4"))
        {
            errs.Add(FieldError.Invalid("spec.ipFamilies", string.Join(",", families), "this cluster is single-stack IPv4"));
        }
        OneOf(spec.IpFamilyPolicy, "spec.ipFamilyPolicy", IpFamilyPolicies, errs);
        if (spec.SessionAffinityConfig is not null && spec.SessionAffinity is "None")
        {
            errs.Add(FieldError.Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
        }
        if (headless && exposesNodePorts)
        {
            errs.Add(FieldError.Invalid("spec.clusterIP", spec.ClusterIP, $"may not be set to 'None' for {type} services"));
        }
        if (spec.Selector is not null)
        {
            ValidateLabels(spec.Selector, "spec.selector", errs);
        }
        OneOf(spec.SessionAffinity, "spec.sessionAffinity", SessionAffinities, errs);
        if (spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } timeout && timeout is < 1 or > 86400)
        {
            errs.Add(FieldError.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
        }
        OneOf(spec.ExternalTrafficPolicy, "spec.externalTrafficPolicy", TrafficPolicies, errs);
        if (!string.IsNullOrEmpty(spec.ExternalTrafficPolicy) && !exposesNodePorts)
        {
            errs.Add(FieldError.Invalid("spec.externalTrafficPolicy", spec.ExternalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
        }
        OneOf(spec.InternalTrafficPolicy, "spec.internalTrafficPolicy", TrafficPolicies, errs);
        var externalIPs = spec.ExternalIPs ?? [];
        for (var i = 0; i < externalIPs.Count; i++)
        {
            if (!NameRules.IsIP(externalIPs[i]))
            {
                errs.Add(FieldError.Invalid(Paths.Index("spec.externalIPs", i), externalIPs[i], "must be a valid IP address"));
            }
        }
    }

    private static void ValidateEndpoints(Endpoints ep, List<FieldError> errs)
    {
        var subsets = ep.Subsets ?? [];
        for (var i = 0; i < subsets.Count; i++)
        {
            var s = subsets[i];
            var sp = Paths.Index("subsets", i);
            if ((s.Addresses?.Count ?? 0) + (s.NotReadyAddresses?.Count ?? 0) == 0)
            {
                errs.Add(FieldError.Required(sp, "must specify `addresses` or `notReadyAddresses`"));
            }
            ValidateEndpointAddresses(s.Addresses ?? [], Paths.Child(sp, "addresses"), errs);
            ValidateEndpointAddresses(s.NotReadyAddresses ?? [], Paths.Child(sp, "notReadyAddresses"), errs);
            // No ports is allowed: a headless Service without ports has address-only subsets.
            var ports = s.Ports ?? [];
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < ports.Count; j++)
            {
                var p = ports[j];
                var pp = Paths.Index(Paths.Child(sp, "ports"), j);
                if (string.IsNullOrEmpty(p.Name))
                {
                    if (ports.Count > 1)
                    {
                        errs.Add(FieldError.Required(Paths.Child(pp, "name")));
                    }
                }
                else
                {
                    DnsLabel(p.Name, Paths.Child(pp, "name"), errs);
                    if (!names.Add(p.Name))
                    {
                        errs.Add(FieldError.Duplicate(Paths.Child(pp, "name"), p.Name));
                    }
                }
                PortNumber(p.Port, Paths.Child(pp, "port"), errs);
                OneOf(p.Protocol, Paths.Child(pp, "protocol"), Protocols, errs);
            }
        }
    }

    private static void ValidateEndpointAddresses(IReadOnlyList<EndpointAddress> addresses, string path, List<FieldError> errs)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            var a = addresses[i];
            var ap = Paths.Index(path, i);
            if (!NameRules.IsIP(a.Ip ?? ""))
            {
                errs.Add(FieldError.Invalid(Paths.Child(ap, "ip"), a.Ip ?? "", "must be a valid IP address"));
            }
            DnsLabel(a.Hostname, Paths.Child(ap, "hostname"), errs);
            DnsSubdomain(a.NodeName, Paths.Child(ap, "nodeName"), errs);
        }
    }

    private static readonly string[] AddressTypeValues = [AddressTypes.Fqdn, AddressTypes.IPv4, AddressTypes.IPv6];

    /// <summary>Kubernetes' EndpointSlice limits: 1000 endpoints, 100 ports, 1-100 addresses per endpoint of the slice's type.</summary>
    private static void ValidateEndpointSlice(EndpointSlice slice, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(slice.AddressType))
        {
            errs.Add(FieldError.Required("addressType"));
        }
        else
        {
            OneOf(slice.AddressType, "addressType", AddressTypeValues, errs);
        }
        var endpoints = slice.Endpoints ?? [];
        if (endpoints.Count > 1000)
        {
            errs.Add(new FieldError("endpoints", FieldErrorType.TooMany, "must have at most 1000 items"));
        }
        for (var i = 0; i < endpoints.Count && i < 1000; i++)
        {
            var ep = Paths.Index("endpoints", i);
            var addresses = endpoints[i].Addresses ?? [];
            if (addresses.Count == 0)
            {
                errs.Add(FieldError.Required(Paths.Child(ep, "addresses"), "must contain at least 1 address"));
            }
            else if (addresses.Count > 100)
            {
                errs.Add(new FieldError(Paths.Child(ep, "addresses"), FieldErrorType.TooMany, "must have at most 100 items"));
            }
            for (var j = 0; j < addresses.Count && j < 100; j++)
            {
                var path = Paths.Index(Paths.Child(ep, "addresses"), j);
                var ok = slice.AddressType switch
                {
                    AddressTypes.IPv4 => NameRules.IsIPv4(addresses[j]),
                    AddressTypes.IPv6 => NameRules.IsIP(addresses[j]) && !NameRules.IsIPv4(addresses[j]),
                    _ => true,
                };
                if (!ok)
                {
                    errs.Add(FieldError.Invalid(path, addresses[j], $"must be a valid {slice.AddressType} address"));
                }
                else if (slice.AddressType == AddressTypes.Fqdn)
                {
                    DnsSubdomain(addresses[j], path, errs);
                }
            }
            DnsLabel(endpoints[i].Hostname, Paths.Child(ep, "hostname"), errs);
            DnsSubdomain(endpoints[i].NodeName, Paths.Child(ep, "nodeName"), errs);
        }
        var ports = slice.Ports ?? [];
        if (ports.Count > 100)
        {
            errs.Add(new FieldError("ports", FieldErrorType.TooMany, "must have at most 100 items"));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var pp = Paths.Index("ports", i);
            var p = ports[i];
            if (!string.IsNullOrEmpty(p.Name))
            {
                DnsLabel(p.Name, Paths.Child(pp, "name"), errs);
            }
            if (!names.Add(p.Name ?? ""))
            {
                errs.Add(FieldError.Duplicate(Paths.Child(pp, "name"), p.Name ?? ""));
            }
            if (p.Port is { } number)
            {
                PortNumber(number, Paths.Child(pp, "port"), errs);
            }
            OneOf(p.Protocol, Paths.Child(pp, "protocol"), Protocols, errs);
        }
    }
}
