using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>Containers, probes, environment, mounts and volumes, shared by pods and pod templates.</summary>
public static class ContainerDescriber
{
    public static void Containers(DescribeWriter w, int level, string title, IReadOnlyList<Container> containers,
        IReadOnlyList<ContainerStatus>? statuses, bool template)
    {
        w.Section(level, title);
        foreach (var container in containers)
        {
            var status = statuses?.FirstOrDefault(s => s.Name == container.Name);
            // kubectl puts a template's container names one space in from their heading, and their fields at the pod's depth.
            w.Line(template ? level : level + 1, (template ? " " : "") + container.Name + ":");
            var l = template ? level + 1 : level + 2;
            if (status is not null)
            {
                w.Field(l, "Container ID", status.ContainerID ?? "");
            }
            w.Field(l, "Image", container.Image ?? "");
            if (status is not null)
            {
                w.Field(l, "Image ID", status.ImageID ?? "");
            }
            Ports(w, l, container.Ports ?? []);
            Strings(w, l, "Command", container.Command);
            Strings(w, l, "Args", container.Args);
            if (status is not null)
            {
                State(w, l, "State", status.State);
                if (status.LastState is { } last && (last.Running is not null || last.Terminated is not null || last.Waiting is not null))
                {
                    State(w, l, "Last State", last);
                }
                w.Field(l, "Ready", status.Ready ? "True" : "False");
                w.Field(l, "Restart Count", status.RestartCount.ToString(CultureInfo.InvariantCulture));
            }
            if (container.ResizePolicy is { Count: > 0 } policies)
            {
                // Not in kubectl's describe: what a resize of each resource does (NotRequired: in place; RestartContainer).
                w.Field(l, "Resize Policy", string.Join(", ", policies.Select(p => $"{p.ResourceName}={p.RestartPolicy}")));
            }
            Resources(w, l, "Limits", container.Resources?.Limits);
            Resources(w, l, "Requests", container.Resources?.Requests);
            // In-place resize (not in kubectl's describe): what the kubelet admitted and what the running container has.
            Resources(w, l, "Allocated Resources", status?.AllocatedResources);
            if (status?.Resources is { } actual && ((actual.Limits?.Count ?? 0) + (actual.Requests?.Count ?? 0)) > 0)
            {
                w.Section(l, "Actual Resources");
                Resources(w, l + 1, "Limits", actual.Limits);
                Resources(w, l + 1, "Requests", actual.Requests);
            }
            if (container.LivenessProbe is { } liveness)
            {
                w.Field(l, "Liveness", Probe(liveness));
            }
            if (container.ReadinessProbe is { } readiness)
            {
                w.Field(l, "Readiness", Probe(readiness));
            }
            if (container.StartupProbe is { } startup)
            {
                w.Field(l, "Startup", Probe(startup));
            }
            EnvFrom(w, l, container.EnvFrom);
            Environment(w, l, container.Env);
            Mounts(w, l, container.VolumeMounts);
        }
    }

    private static void Ports(DescribeWriter w, int level, IReadOnlyList<ContainerPortSpec> ports)
    {
        static string Port(int port, string? protocol) => port.ToString(CultureInfo.InvariantCulture) + "/" + (protocol ?? Api.Protocol.Tcp);
        if (ports.Count == 0)
        {
            w.Field(level, "Port", null);
            w.Field(level, "Host Port", null);
            return;
        }
        var container = string.Join(", ", ports.Select(p => Port(p.ContainerPort, p.Protocol)));
        var host = string.Join(", ", ports.Select(p => Port(p.HostPort ?? 0, p.Protocol)));
        w.Field(level, ports.Count == 1 ? "Port" : "Ports", container);
        w.Field(level, ports.Count == 1 ? "Host Port" : "Host Ports", host);
    }

    private static void Strings(DescribeWriter w, int level, string title, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return;
        }
        w.Section(level, title);
        foreach (var value in values)
        {
            w.Line(level + 1, value);
        }
    }

    private static void State(DescribeWriter w, int level, string title, ContainerState? state)
    {
        if (state?.Running is { } running)
        {
            w.Field(level, title, "Running");
            w.Field(level + 1, "Started", Text.Timestamp(running.StartedAt));
        }
        else if (state?.Terminated is { } terminated)
        {
            w.Field(level, title, "Terminated");
            w.Field(level + 1, "Reason", terminated.Reason ?? "");
            if (!string.IsNullOrEmpty(terminated.Message))
            {
                w.Field(level + 1, "Message", terminated.Message);
            }
            w.Field(level + 1, "Exit Code", terminated.ExitCode.ToString(CultureInfo.InvariantCulture));
            if (terminated.Signal is { } signal and not 0)
            {
                w.Field(level + 1, "Signal", signal.ToString(CultureInfo.InvariantCulture));
            }
            w.Field(level + 1, "Started", Text.Timestamp(terminated.StartedAt));
            w.Field(level + 1, "Finished", Text.Timestamp(terminated.FinishedAt));
        }
        else
        {
            w.Field(level, title, "Waiting");
            if (state?.Waiting is { } waiting)
            {
                w.Field(level + 1, "Reason", waiting.Reason ?? "");
                if (!string.IsNullOrEmpty(waiting.Message))
                {
                    w.Field(level + 1, "Message", waiting.Message);
                }
            }
        }
    }

    private static void Resources(DescribeWriter w, int level, string title, IReadOnlyDictionary<string, Quantity>? values)
    {
        if (values is null || values.Count == 0)
        {
            return;
        }
        w.Section(level, title);
        foreach (var (name, quantity) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            w.Field(level + 1, name, quantity.ToString());
        }
    }

    /// <summary><c>http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3</c>.</summary>
    public static string Probe(Probe probe)
    {
        var attributes = string.Create(CultureInfo.InvariantCulture,
            $"delay={probe.InitialDelaySeconds ?? 0}s timeout={probe.TimeoutSeconds ?? 1}s period={probe.PeriodSeconds ?? 10}s #success={probe.SuccessThreshold ?? 1} #failure={probe.FailureThreshold ?? 3}");
        if (probe.Exec is { } exec)
        {
            return $"exec [{string.Join(" ", exec.Command ?? [])}] {attributes}";
        }
        if (probe.HttpGet is { } http)
        {
            var scheme = (http.Scheme ?? "HTTP").ToLowerInvariant();
            var host = (http.Host ?? "").Contains(':') ? $"[{http.Host}]" : http.Host ?? "";
            return $"http-get {scheme}://{host}:{http.Port.StringValue}{http.Path} {attributes}";
        }
        if (probe.TcpSocket is { } tcp)
        {
            return $"tcp-socket {tcp.Host}:{tcp.Port.StringValue} {attributes}";
        }
        if (probe.Grpc is { } grpc)
        {
            return string.Create(CultureInfo.InvariantCulture, $"grpc <pod>:{grpc.Port} {grpc.Service} {attributes}");
        }
        return "unknown " + attributes;
    }

    private static void EnvFrom(DescribeWriter w, int level, IReadOnlyList<EnvFromSource>? sources)
    {
        if (sources is null || sources.Count == 0)
        {
            return;
        }
        w.Section(level, "Environment Variables from");
        foreach (var source in sources)
        {
            var (name, kind, optional) = source.ConfigMapRef is { } cm
                ? (cm.Name, "ConfigMap", cm.Optional ?? false)
                : (source.SecretRef?.Name, "Secret", source.SecretRef?.Optional ?? false);
            var prefix = string.IsNullOrEmpty(source.Prefix) ? "" : $" with prefix '{source.Prefix}'";
            w.Line(level + 1, $"{name}\t{kind}{prefix}\tOptional: {(optional ? "true" : "false")}");
        }
    }

    private static void Environment(DescribeWriter w, int level, IReadOnlyList<EnvVar>? env)
    {
        if (env is null || env.Count == 0)
        {
            w.Field(level, "Environment", null);
            return;
        }
        w.Section(level, "Environment");
        foreach (var e in env)
        {
            var from = e.ValueFrom;
            var value = from switch
            {
                null => e.Value ?? "",
                { FieldRef: { } f } => $" ({f.ApiVersion ?? "v1"}:{f.FieldPath})",
                { ResourceFieldRef: { } r } => $" ({r.ContainerName}:{r.Resource})",
                { SecretKeyRef: { } s } => $"<set to the key '{s.Key}' in secret '{s.Name}'>\tOptional: {(s.Optional == true ? "true" : "false")}",
                { ConfigMapKeyRef: { } c } => $"<set to the key '{c.Key}' of config map '{c.Name}'>\tOptional: {(c.Optional == true ? "true" : "false")}",
                _ => "",
            };
            w.Line(level + 1, $"{e.Name}:\t{value}");
        }
    }

    private static void Mounts(DescribeWriter w, int level, IReadOnlyList<VolumeMount>? mounts)
    {
        if (mounts is null || mounts.Count == 0)
        {
            w.Field(level, "Mounts", null);
            return;
        }
        w.Section(level, "Mounts");
        foreach (var m in mounts.OrderBy(m => m.MountPath, StringComparer.Ordinal))
        {
            var flags = m.ReadOnly == true ? "ro" : "rw";
            if (!string.IsNullOrEmpty(m.SubPath))
            {
                flags += $",path=\"{m.SubPath}\"";
            }
            w.Line(level + 1, $"{m.MountPath} from {m.Name} ({flags})");
        }
    }

    public static void Volumes(DescribeWriter w, int level, IReadOnlyList<Volume>? volumes)
    {
        if (volumes is null || volumes.Count == 0)
        {
            w.Field(level, "Volumes", null);
            return;
        }
        w.Section(level, "Volumes");
        foreach (var v in volumes)
        {
            w.Line(level + 1, v.Name + ":");
            var l = level + 2;
            switch (v)
            {
                case { EmptyDir: { } e }:
                    w.Field(l, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)");
                    w.Field(l, "Medium", e.Medium ?? "");
                    w.Field(l, "SizeLimit", e.SizeLimit?.ToString() ?? "<unset>");
                    break;
                case { HostPath: { } h }:
                    w.Field(l, "Type", "HostPath (bare host directory volume)");
                    w.Field(l, "Path", h.Path);
                    w.Field(l, "HostPathType", h.Type ?? "");
                    break;
                case { ConfigMap: { } c }:
                    w.Field(l, "Type", "ConfigMap (a volume populated by a ConfigMap)");
                    w.Field(l, "Name", c.Name ?? "");
                    w.Field(l, "Optional", c.Optional == true ? "true" : "false");
                    break;
                case { Secret: { } s }:
                    w.Field(l, "Type", "Secret (a volume populated by a Secret)");
                    w.Field(l, "SecretName", s.SecretName ?? "");
                    w.Field(l, "Optional", s.Optional == true ? "true" : "false");
                    break;
                case { PersistentVolumeClaim: { } p }:
                    w.Field(l, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
                    w.Field(l, "ClaimName", p.ClaimName);
                    w.Field(l, "ReadOnly", p.ReadOnly == true ? "true" : "false");
                    break;
                case { DownwardAPI: { } d }:
                    w.Field(l, "Type", "DownwardAPI (a volume populated by information about the pod)");
                    w.Section(l, "Items");
                    foreach (var item in d.Items ?? [])
                    {
                        var source = item.FieldRef?.FieldPath ?? item.ResourceFieldRef?.Resource ?? "";
                        w.Line(l + 1, $"{source} -> {item.Path}");
                    }
                    break;
                default:
                    w.Field(l, "Type", "<unknown>");
                    break;
            }
        }
    }

    /// <summary>The pod template section of workloads: labels, annotations, containers, volumes.</summary>
    public static void PodTemplate(DescribeWriter w, int level, PodTemplateSpec? template)
    {
        w.Section(level, "Pod Template");
        w.Labels(level + 1, "Labels", template?.Metadata?.Labels);
        if (template?.Metadata?.Annotations is { Count: > 0 } annotations)
        {
            w.Annotations(level + 1, "Annotations", annotations);
        }
        var spec = template?.Spec;
        if (!string.IsNullOrEmpty(spec?.ServiceAccountName))
        {
            w.Field(level + 1, "Service Account", spec.ServiceAccountName);
        }
        if (spec?.InitContainers is { Count: > 0 } init)
        {
            Containers(w, level + 1, "Init Containers", init, null, template: true);
        }
        Containers(w, level + 1, "Containers", spec?.Containers ?? [], null, template: true);
        Volumes(w, level + 1, spec?.Volumes);
        if (spec?.NodeSelector is { Count: > 0 } selector)
        {
            w.Labels(level + 1, "Node-Selectors", selector);
        }
        if (spec?.Tolerations is { Count: > 0 } tolerations)
        {
            w.List(level + 1, "Tolerations", tolerations.Select(PodDescriber.Toleration));
        }
    }
}
