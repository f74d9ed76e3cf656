using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>kubectl's node description, including the pods running on it and what they request.</summary>
public sealed class NodeDescriber : IDescriber
{
    public async Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var node = (Node)obj;
        var status = node.Status;
        w.Field(0, "Name", node.Metadata.Name);
        w.Field(0, "Roles", NodeTable.Roles(node));
        w.Labels(0, "Labels", node.Metadata.Labels);
        w.Annotations(0, "Annotations", node.Metadata.Annotations);
        w.Field(0, "CreationTimestamp", Text.Timestamp(node.Metadata.CreationTimestamp));
        w.List(0, "Taints", (node.Spec?.Taints ?? []).Select(t =>
            string.IsNullOrEmpty(t.Value) ? $"{t.Key}:{t.Effect}" : $"{t.Key}={t.Value}:{t.Effect}"));
        w.Field(0, "Unschedulable", node.Spec?.Unschedulable == true ? "true" : "false");
        if (status?.Conditions is { Count: > 0 } conditions)
        {
            w.Section(0, "Conditions");
            w.Table(1, ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"], conditions.Select(c => (IReadOnlyList<string>)
            [
                c.Type, c.Status, Text.Timestamp(c.LastHeartbeatTime), Text.Timestamp(c.LastTransitionTime), c.Reason ?? "", c.Message ?? "",
            ]));
        }
        else
        {
            w.Field(0, "Conditions", null);
        }
        if (status?.Addresses is { Count: > 0 } addresses)
        {
            w.Section(0, "Addresses");
            foreach (var address in addresses)
            {
                w.Field(1, address.Type, address.Address);
            }
        }
        else
        {
            w.Field(0, "Addresses", null);
        }
        Quantities(w, "Capacity", status?.Capacity);
        Quantities(w, "Allocatable", status?.Allocatable);
        if (status?.NodeInfo is { } info)
        {
            w.Section(0, "System Info");
            w.Field(1, "Machine ID", info.MachineID ?? "");
            w.Field(1, "System UUID", info.SystemUUID ?? "");
            w.Field(1, "Boot ID", info.BootID ?? "");
            w.Field(1, "Kernel Version", info.KernelVersion ?? "");
            w.Field(1, "OS Image", info.OsImage ?? "");
            w.Field(1, "Operating System", info.OperatingSystem ?? "");
            w.Field(1, "Architecture", info.Architecture ?? "");
            w.Field(1, "Container Runtime Version", info.ContainerRuntimeVersion ?? "");
            w.Field(1, "Kubelet Version", info.KubeletVersion ?? "");
            w.Field(1, "Kube-Proxy Version", info.KubeProxyVersion ?? "");
        }
        if (!string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            w.Field(0, "PodCIDR", node.Spec.PodCIDR);
            w.Field(0, "PodCIDRs", string.Join(",", node.Spec.PodCIDRs ?? [node.Spec.PodCIDR]));
        }

        var pods = (await context.ListAsync<Pod>(null, fieldSelector: $"spec.nodeName={node.Metadata.Name}").ConfigureAwait(false))
            .Where(p => p.Status?.Phase is not (PodPhase.Succeeded or PodPhase.Failed))
            .ToList();
        var allocatable = status?.Allocatable ?? new Dictionary<string, Quantity>();
        w.Field(0, "Non-terminated Pods", $"({pods.Count.ToString(CultureInfo.InvariantCulture)} in total)");
        if (pods.Count > 0)
        {
            w.Table(1, ["Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests", "Memory Limits", "Age"], pods.Select(p =>
            {
                var requests = Sum(p, r => r.Requests);
                var limits = Sum(p, r => r.Limits);
                return (IReadOnlyList<string>)
                [
                    p.Metadata.Namespace ?? "", p.Metadata.Name ?? "",
                    Share(requests, ResourceName.Cpu, allocatable), Share(limits, ResourceName.Cpu, allocatable),
                    Share(requests, ResourceName.Memory, allocatable), Share(limits, ResourceName.Memory, allocatable),
                    HumanDuration.Since(p.Metadata.CreationTimestamp, context.Now),
                ];
            }));
        }
        var totalRequests = Total(pods.Select(p => Sum(p, r => r.Requests)));
        var totalLimits = Total(pods.Select(p => Sum(p, r => r.Limits)));
        w.Section(0, "Allocated resources");
        w.Line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)");
        w.Table(1, ["Resource", "Requests", "Limits"], new[] { ResourceName.Cpu, ResourceName.Memory }.Select(r => (IReadOnlyList<string>)
            [r, Share(totalRequests, r, allocatable), Share(totalLimits, r, allocatable)]));
    }

    private static void Quantities(DescribeWriter w, string title, IReadOnlyDictionary<string, Quantity>? values)
    {
        if (values is null || values.Count == 0)
        {
            return;
        }
        w.Section(0, title);
        foreach (var (name, quantity) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            w.Field(1, name, quantity.ToString());
        }
    }

    private static Dictionary<string, decimal> Sum(Pod pod, Func<ResourceRequirements, IReadOnlyDictionary<string, Quantity>?> select)
    {
        var sum = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            var values = container.Resources is null ? null : select(container.Resources);
            foreach (var (name, quantity) in values ?? new Dictionary<string, Quantity>())
            {
                sum[name] = sum.GetValueOrDefault(name) + quantity.Amount;
            }
        }
        return sum;
    }

    private static Dictionary<string, decimal> Total(IEnumerable<Dictionary<string, decimal>> parts)
    {
        var total = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (name, amount) in part)
            {
                total[name] = total.GetValueOrDefault(name) + amount;
            }
        }
        return total;
    }

    /// <summary><c>100m (5%)</c>: the amount and its share of what the node can allocate.</summary>
    private static string Share(Dictionary<string, decimal> amounts, string resource, IReadOnlyDictionary<string, Quantity> allocatable)
    {
        var amount = amounts.GetValueOrDefault(resource);
        var format = resource == ResourceName.Memory ? QuantityFormat.BinarySI : QuantityFormat.DecimalSI;
        var text = amount == 0 ? "0" : Quantity.FromDecimal(amount, format).ToString();
        var percent = allocatable.TryGetValue(resource, out var total) && total.Amount > 0
            ? (long)Math.Floor(amount / total.Amount * 100)
            : 0;
        return $"{text} ({percent.ToString(CultureInfo.InvariantCulture)}%)";
    }
}
