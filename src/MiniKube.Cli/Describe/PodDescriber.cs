using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>kubectl's pod description: placement, status, containers, conditions, volumes, scheduling constraints.</summary>
public sealed class PodDescriber : IDescriber
{
    public Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        var pod = (Pod)obj;
        var spec = pod.Spec ?? new PodSpec();
        var status = pod.Status;
        w.Field(0, "Name", pod.Metadata.Name);
        w.Field(0, "Namespace", pod.Metadata.Namespace);
        w.Field(0, "Priority", (spec.Priority ?? 0).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            w.Field(0, "Priority Class Name", spec.PriorityClassName);
        }
        w.Field(0, "Service Account", spec.ServiceAccountName ?? spec.ServiceAccount ?? "");
        var node = string.IsNullOrEmpty(spec.NodeName)
            ? null
            : string.IsNullOrEmpty(status?.HostIP) ? spec.NodeName : $"{spec.NodeName}/{status.HostIP}";
        w.Field(0, "Node", node);
        if (status?.StartTime is { } start)
        {
            w.Field(0, "Start Time", Text.Timestamp(start));
        }
        w.Labels(0, "Labels", pod.Metadata.Labels);
        w.Annotations(0, "Annotations", pod.Metadata.Annotations);
        if (pod.Metadata.DeletionTimestamp is { } deletion)
        {
            w.Field(0, "Status", $"Terminating (lasts {HumanDuration.Since(deletion, context.Now)})");
            w.Field(0, "Termination Grace Period", (pod.Metadata.DeletionGracePeriodSeconds ?? 0).ToString(CultureInfo.InvariantCulture) + "s");
        }
        else
        {
            w.Field(0, "Status", status?.Phase ?? PodPhase.Pending);
        }
        if (!string.IsNullOrEmpty(status?.Reason))
        {
            w.Field(0, "Reason", status.Reason);
        }
        if (!string.IsNullOrEmpty(status?.Message))
        {
            w.Field(0, "Message", status.Message);
        }
        w.Field(0, "IP", status?.PodIP ?? "");
        var ips = status?.PodIPs?.Select(p => p.Ip).ToList() ?? (string.IsNullOrEmpty(status?.PodIP) ? [] : [status.PodIP]);
        if (ips.Count == 0)
        {
            w.Field(0, "IPs", null);
        }
        else
        {
            w.Section(0, "IPs");
            foreach (var ip in ips)
            {
                w.Field(1, "IP", ip);
            }
        }
        if (pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } owner)
        {
            w.Field(0, "Controlled By", $"{owner.Kind}/{owner.Name}");
        }
        if (spec.InitContainers is { Count: > 0 } init)
        {
            ContainerDescriber.Containers(w, 0, "Init Containers", init, status?.InitContainerStatuses ?? [], template: false);
        }
        ContainerDescriber.Containers(w, 0, "Containers", spec.Containers, status?.ContainerStatuses ?? [], template: false);
        if (status?.Conditions is { Count: > 0 } conditions)
        {
            w.Section(0, "Conditions");
            w.Line(1, "Type\tStatus");
            foreach (var condition in conditions)
            {
                w.Line(1, $"{condition.Type}\t{condition.Status}");
                // A resize's conditions say why it waits or failed (MiniKube shows it; kubectl prints only type and status).
                if (condition.Type is PodConditionType.PodResizePending or PodConditionType.PodResizeInProgress && condition.Status == ConditionStatus.True)
                {
                    if (!string.IsNullOrEmpty(condition.Reason))
                    {
                        w.Field(2, "Reason", condition.Reason);
                    }
                    if (!string.IsNullOrEmpty(condition.Message))
                    {
                        w.Field(2, "Message", condition.Message);
                    }
                }
            }
        }
        ContainerDescriber.Volumes(w, 0, spec.Volumes);
        w.Field(0, "QoS Class", !string.IsNullOrEmpty(status?.QosClass) ? status.QosClass : QosClass(spec));
        w.Labels(0, "Node-Selectors", spec.NodeSelector);
        w.List(0, "Tolerations", (spec.Tolerations ?? []).Select(Toleration));
        return Task.CompletedTask;
    }

    /// <summary><c>node.kubernetes.io/not-ready:NoExecute op=Exists for 300s</c>.</summary>
    public static string Toleration(Toleration t)
    {
        var text = t.Key ?? "";
        if (!string.IsNullOrEmpty(t.Value))
        {
            text += "=" + t.Value;
        }
        if (!string.IsNullOrEmpty(t.Effect))
        {
            text += ":" + t.Effect;
        }
        if (t.Operator == "Exists" && string.IsNullOrEmpty(t.Value))
        {
            text += text.Length > 0 ? " op=Exists" : "op=Exists";
        }
        if (t.TolerationSeconds is { } seconds)
        {
            text += " for " + seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }
        return text;
    }

    /// <summary>Guaranteed when every container's cpu and memory limits equal its requests, BestEffort when none are set, else Burstable.</summary>
    public static string QosClass(PodSpec spec)
    {
        var containers = spec.Containers.Concat(spec.InitContainers ?? []).ToList();
        var any = containers.Any(c => (c.Resources?.Requests?.Count ?? 0) + (c.Resources?.Limits?.Count ?? 0) > 0);
        if (!any)
        {
            return "BestEffort";
        }
        var guaranteed = containers.All(c =>
            new[] { ResourceName.Cpu, ResourceName.Memory }.All(r =>
                c.Resources?.Limits?.TryGetValue(r, out var limit) == true
                && (c.Resources.Requests?.TryGetValue(r, out var request) != true || request.CompareTo(limit) == 0)));
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
