using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>kubectl's deployment description: replicas, strategy, pod template, conditions, its ReplicaSets.</summary>
public sealed class DeploymentDescriber : IDescriber
{
    public async Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var d = (Deployment)obj;
        var spec = d.Spec ?? new DeploymentSpec();
        var status = d.Status;
        w.Field(0, "Name", d.Metadata.Name);
        w.Field(0, "Namespace", d.Metadata.Namespace);
        w.Field(0, "CreationTimestamp", Text.Timestamp(d.Metadata.CreationTimestamp));
        w.Labels(0, "Labels", d.Metadata.Labels);
        w.Annotations(0, "Annotations", d.Metadata.Annotations);
        w.Field(0, "Selector", Text.Selector(spec.Selector));
        w.Field(0, "Replicas", string.Create(CultureInfo.InvariantCulture,
            $"{spec.Replicas ?? 1} desired | {status?.UpdatedReplicas ?? 0} updated | {status?.Replicas ?? 0} total | {status?.AvailableReplicas ?? 0} available | {status?.UnavailableReplicas ?? 0} unavailable"));
        var strategy = spec.Strategy?.Type ?? DeploymentStrategyType.RollingUpdate;
        w.Field(0, "StrategyType", strategy);
        w.Field(0, "MinReadySeconds", (spec.MinReadySeconds ?? 0).ToString(CultureInfo.InvariantCulture));
        if (strategy == DeploymentStrategyType.RollingUpdate)
        {
            var rolling = spec.Strategy?.RollingUpdate;
            w.Field(0, "RollingUpdateStrategy",
                $"{rolling?.MaxUnavailable?.StringValue ?? "25%"} max unavailable, {rolling?.MaxSurge?.StringValue ?? "25%"} max surge");
        }
        ContainerDescriber.PodTemplate(w, 0, spec.Template);
        WorkloadConditions.Write(w, status?.Conditions?.Select(c => (c.Type, c.Status, c.Reason)));

        var owned = (await context.ListAsync<ReplicaSet>(d.Metadata.Namespace).ConfigureAwait(false))
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == d.Metadata.Uid) == true)
            .ToList();
        var templateHash = owned.FirstOrDefault(rs => TemplateMatches(rs.Spec?.Template, spec.Template));
        var old = owned.Where(rs => rs != templateHash && (rs.Spec?.Replicas ?? 0) > 0).ToList();
        w.Field(0, "OldReplicaSets", old.Count == 0 ? null : string.Join(", ", old.Select(Summary)));
        w.Field(0, "NewReplicaSet", templateHash is null ? null : Summary(templateHash));
    }

    private static string Summary(ReplicaSet rs) =>
        string.Create(CultureInfo.InvariantCulture, $"{rs.Metadata.Name} ({rs.Status?.Replicas ?? 0}/{rs.Spec?.Replicas ?? 0} replicas created)");

    // ReplicaSets carry the deployment's template plus the pod-template-hash label.
    private static bool TemplateMatches(PodTemplateSpec? rsTemplate, PodTemplateSpec template) =>
        rsTemplate?.Spec is not null && template.Spec is not null
        && KubeSerializer.ToJson(rsTemplate.Spec) == KubeSerializer.ToJson(template.Spec);
}

/// <summary>kubectl's ReplicaSet description: replicas, pod phases, template, conditions.</summary>
public sealed class ReplicaSetDescriber : IDescriber
{
    public async Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var rs = (ReplicaSet)obj;
        var spec = rs.Spec ?? new ReplicaSetSpec();
        w.Field(0, "Name", rs.Metadata.Name);
        w.Field(0, "Namespace", rs.Metadata.Namespace);
        w.Field(0, "Selector", Text.Selector(spec.Selector));
        w.Labels(0, "Labels", rs.Metadata.Labels);
        w.Annotations(0, "Annotations", rs.Metadata.Annotations);
        if (rs.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } owner)
        {
            w.Field(0, "Controlled By", $"{owner.Kind}/{owner.Name}");
        }
        w.Field(0, "Replicas", string.Create(CultureInfo.InvariantCulture, $"{rs.Status?.Replicas ?? 0} current / {spec.Replicas ?? 1} desired"));
        var selector = Text.Selector(spec.Selector);
        var pods = selector == Text.None
            ? []
            : (await context.ListAsync<Pod>(rs.Metadata.Namespace, labelSelector: selector).ConfigureAwait(false))
                .Where(p => p.Metadata.OwnerReferences?.Any(o => o.Uid == rs.Metadata.Uid) ?? true)
                .ToList();
        int Count(string phase) => pods.Count(p => (p.Status?.Phase ?? PodPhase.Pending) == phase);
        w.Field(0, "Pods Status", string.Create(CultureInfo.InvariantCulture,
            $"{Count(PodPhase.Running)} Running / {Count(PodPhase.Pending)} Waiting / {Count(PodPhase.Succeeded)} Succeeded / {Count(PodPhase.Failed)} Failed"));
        ContainerDescriber.PodTemplate(w, 0, spec.Template);
        WorkloadConditions.Write(w, rs.Status?.Conditions?.Select(c => (c.Type, c.Status, c.Reason)));
    }
}

internal static class WorkloadConditions
{
    public static void Write(DescribeWriter w, IEnumerable<(string Type, string Status, string? Reason)>? conditions)
    {
        var list = conditions?.ToList() ?? [];
        if (list.Count == 0)
        {
            return;
        }
        w.Section(0, "Conditions");
        w.Table(1, ["Type", "Status", "Reason"], list.Select(c => (IReadOnlyList<string>)[c.Type, c.Status, c.Reason ?? ""]));
    }
}

/// <summary>kubectl's service description: type, IPs, each port with its target and endpoints.</summary>
public sealed class ServiceDescriber : IDescriber
{
    public async Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var service = (Service)obj;
        var spec = service.Spec ?? new ServiceSpec();
        w.Field(0, "Name", service.Metadata.Name);
        w.Field(0, "Namespace", service.Metadata.Namespace);
        w.Labels(0, "Labels", service.Metadata.Labels);
        w.Annotations(0, "Annotations", service.Metadata.Annotations);
        w.Field(0, "Selector", Text.Labels(spec.Selector));
        var type = spec.Type ?? ServiceType.ClusterIP;
        w.Field(0, "Type", type);
        if (!string.IsNullOrEmpty(spec.IpFamilyPolicy))
        {
            w.Field(0, "IP Family Policy", spec.IpFamilyPolicy);
        }
        if (spec.IpFamilies is { Count: > 0 } families)
        {
            w.Field(0, "IP Families", string.Join(",", families));
        }
        w.Field(0, "IP", spec.ClusterIP);
        w.Field(0, "IPs", spec.ClusterIPs is { Count: > 0 } ips ? string.Join(",", ips) : spec.ClusterIP);
        if (spec.ExternalIPs is { Count: > 0 } external)
        {
            w.Field(0, "External IPs", string.Join(",", external));
        }
        if (type == ServiceType.ExternalName)
        {
            w.Field(0, "External Name", spec.ExternalName);
        }
        if (type == ServiceType.LoadBalancer)
        {
            var ingress = service.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip ?? i.Hostname ?? "") ?? [];
            w.Field(0, "LoadBalancer Ingress", string.Join(", ", ingress));
        }

        Endpoints? endpoints = null;
        try
        {
            endpoints = await context.Client.GetAsync<Endpoints>(service.Metadata.Name ?? "", service.Metadata.Namespace, context.Token).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // No endpoints yet: shown as <none>.
        }
        foreach (var port in spec.Ports ?? [])
        {
            var protocol = port.Protocol ?? Api.Protocol.Tcp;
            var name = string.IsNullOrEmpty(port.Name) ? "<unset>" : port.Name;
            w.Line(0, $"Port:\t{name}\t{port.Port.ToString(CultureInfo.InvariantCulture)}/{protocol}");
            var target = port.TargetPort?.StringValue ?? port.Port.ToString(CultureInfo.InvariantCulture);
            w.Field(0, "TargetPort", $"{target}/{protocol}");
            if (port.NodePort is { } nodePort and not 0)
            {
                w.Line(0, $"NodePort:\t{name}\t{nodePort.ToString(CultureInfo.InvariantCulture)}/{protocol}");
            }
            w.Field(0, "Endpoints", EndpointsFor(endpoints, port));
        }
        w.Field(0, "Session Affinity", spec.SessionAffinity ?? "None");
        if (!string.IsNullOrEmpty(spec.ExternalTrafficPolicy))
        {
            w.Field(0, "External Traffic Policy", spec.ExternalTrafficPolicy);
        }
        if (!string.IsNullOrEmpty(spec.InternalTrafficPolicy))
        {
            w.Field(0, "Internal Traffic Policy", spec.InternalTrafficPolicy);
        }
    }

    private static string? EndpointsFor(Endpoints? endpoints, ServicePort port)
    {
        var addresses = new List<string>();
        foreach (var subset in endpoints?.Subsets ?? [])
        {
            foreach (var p in (subset.Ports ?? []).Where(p => p.Name == port.Name || (subset.Ports!.Count == 1 && string.IsNullOrEmpty(port.Name))))
            {
                addresses.AddRange((subset.Addresses ?? []).Select(a => a.Ip + ":" + p.Port.ToString(CultureInfo.InvariantCulture)));
            }
        }
        return addresses.Count == 0 ? null : string.Join(",", addresses);
    }
}
