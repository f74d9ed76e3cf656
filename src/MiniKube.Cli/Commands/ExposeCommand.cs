using System.CommandLine;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl expose deployment|replicaset|pod|service NAME [--port P] [--target-port T] [--type T] [--name N] [--protocol P]</c>:
/// creates a Service selecting what the object selects (a workload's selector, a pod's labels, a service's selector), with the
/// object's labels. Without --port, the container ports of the object's pods are exposed, as kubectl does.
/// </summary>
public sealed class ExposeCommand(CommandRunner runner)
{
    private static readonly string[] Types = [ServiceType.ClusterIP, ServiceType.NodePort, ServiceType.LoadBalancer];

    private readonly Argument<string[]> _resource = CommonOptions.Resources("TYPE NAME or TYPE/NAME (deployment, replicaset, pod or service)");
    private readonly Option<int?> _port = new("--port") { Description = "The port that the service should serve on. Copied from the resource being exposed, if unspecified" };
    private readonly Option<string?> _targetPort = new("--target-port")
    {
        Description = "Name or number for the port on the container that the service should direct traffic to. Optional",
    };
    private readonly Option<string?> _type = new("--type") { Description = "Type for this service: ClusterIP, NodePort, or LoadBalancer. Default is 'ClusterIP'" };
    private readonly Option<string?> _name = new("--name") { Description = "The name for the newly created object" };
    private readonly Option<string?> _protocol = new("--protocol") { Description = "The network protocol for the service to be created: TCP, UDP or SCTP. Default is 'TCP'" };
    private readonly Option<string?> _selector = new("--selector")
    {
        Description = "A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the resource being exposed",
    };
    private readonly Option<string?> _dryRun = CommonOptions.DryRun();
    private readonly Option<string?> _output = CommonOptions.Output("json, yaml, name");

    public Command Build()
    {
        var command = new Command("expose", "Expose a resource as a new Kubernetes service.\n\n" +
            "Looks up a deployment, replica set, pod or service by name and uses the selector for that resource as the selector for a new " +
            "service on the specified port.\n\nExamples:\n  minictl expose deployment web --port 80 --target-port 8080\n" +
            "  minictl expose pod db --port 5432 --type NodePort --name db-external")
        {
            _resource, _port, _targetPort, _type, _name, _protocol, _selector, _dryRun, _output,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var requests = ResourceArgs.Parse(parse.GetValue(_resource) ?? []);
        var targets = requests.SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
        if (targets.Count != 1)
        {
            throw new CliException(targets.Count == 0
                ? "You must provide the resource type and name to expose, e.g. minictl expose deployment web --port 80"
                : "expose takes exactly one resource");
        }
        var type = parse.GetValue(_type);
        if (!string.IsNullOrEmpty(type) && !Types.Contains(type))
        {
            throw new CliException($"invalid --type \"{type}\": must be one of {string.Join(", ", Types)}");
        }
        var protocol = parse.GetValue(_protocol);
        if (!string.IsNullOrEmpty(protocol) && protocol is not (Api.Protocol.Tcp or Api.Protocol.Udp or Api.Protocol.Sctp))
        {
            throw new CliException($"invalid --protocol \"{protocol}\": must be TCP, UDP or SCTP");
        }
        var dryRun = DryRunModes.Parse(parse, _dryRun);
        var output = OutputFormat.Parse(parse.GetValue(_output), OutputKind.Json, OutputKind.Yaml, OutputKind.Name);

        var (resource, name) = targets[0];
        var obj = await session.Client.GetAsync(resource, name, session.Namespace, session.Token).ConfigureAwait(false);
        var (selector, template) = Introspect(obj);
        if (parse.GetValue(_selector) is { Length: > 0 } explicitSelector)
        {
            selector = ParseSelector(explicitSelector);
        }
        if (selector is null || selector.Count == 0)
        {
            throw new CliException($"couldn't retrieve selectors via --selector flag or introspection: the {resource.Singular} {name} has no labels to select its pods by");
        }

        var ports = Ports(parse.GetValue(_port), parse.GetValue(_targetPort), protocol, template, obj);
        var service = new Service
        {
            Metadata = new ObjectMeta
            {
                Name = parse.GetValue(_name) is { Length: > 0 } serviceName ? serviceName : name,
                Namespace = session.Namespace,
                Labels = obj.Metadata.Labels is { Count: > 0 } labels ? labels : null,
            },
            Spec = new ServiceSpec { Type = string.IsNullOrEmpty(type) ? null : type, Selector = selector, Ports = ports },
        };
        var result = dryRun == DryRunMode.Client
            ? service
            : (Service)await session.Client.CreateAsync(service, dryRun == DryRunMode.Server, session.Token).ConfigureAwait(false);
        if (output == OutputKind.Table)
        {
            await session.Out.WriteLineAsync($"service/{result.Metadata.Name} exposed{DryRunModes.Suffix(dryRun)}").ConfigureAwait(false);
        }
        else
        {
            await session.Out.WriteAsync(ObjectPrinter.Format(output, [result], single: true)).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>The selector a new Service would use and the pod spec its ports can be read from.</summary>
    private static (IReadOnlyDictionary<string, string>? Selector, PodSpec? Template) Introspect(KubeObject obj) => obj switch
    {
        Deployment d => (MatchLabelsOnly(d.Spec?.Selector, "deployment"), d.Spec?.Template?.Spec),
        ReplicaSet rs => (MatchLabelsOnly(rs.Spec?.Selector, "replicaset"), rs.Spec?.Template?.Spec),
        Pod pod => (pod.Metadata.Labels, pod.Spec),
        Service svc => (svc.Spec?.Selector, null),
        _ => throw new CliException($"cannot expose a {obj.Kind}: only deployments, replicasets, pods and services can be exposed"),
    };

    private static IReadOnlyDictionary<string, string>? MatchLabelsOnly(LabelSelector? selector, string kind)
    {
        if (selector?.MatchExpressions is { Count: > 0 })
        {
            throw new CliException($"couldn't convert the {kind}'s selector: a Service selector cannot express matchExpressions");
        }
        return selector?.MatchLabels;
    }

    private static Dictionary<string, string> ParseSelector(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0 || part.Contains("!=", StringComparison.Ordinal))
            {
                throw new CliException($"invalid --selector \"{text}\": only equality-based requirements (key=value,...) are supported");
            }
            result[part[..eq]] = part[(eq + 1)..].TrimStart('=');
        }
        return result;
    }

    private static List<ServicePort> Ports(int? port, string? targetPort, string? protocol, PodSpec? template, KubeObject obj)
    {
        IntOrString? target = null;
        if (!string.IsNullOrEmpty(targetPort))
        {
            target = int.TryParse(targetPort, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? IntOrString.FromInt(n) : IntOrString.FromString(targetPort);
        }
        if (port is { } p)
        {
            if (p is < 1 or > 65535)
            {
                throw new CliException($"invalid --port {p.ToString(CultureInfo.InvariantCulture)}: must be between 1 and 65535");
            }
            return [new ServicePort { Port = p, Protocol = protocol, TargetPort = target }];
        }
        if (obj is Service existing && existing.Spec?.Ports is { Count: > 0 } servicePorts)
        {
            return [.. servicePorts.Select(sp => new ServicePort { Name = sp.Name, Port = sp.Port, Protocol = protocol ?? sp.Protocol, TargetPort = target ?? sp.TargetPort })];
        }
        var containerPorts = (template?.Containers ?? []).SelectMany(c => c.Ports ?? []).ToList();
        if (containerPorts.Count == 0)
        {
            throw new CliException("couldn't find port via --port flag or introspection: the resource declares no container ports, so say which with --port");
        }
        return [.. containerPorts.Select((cp, i) => new ServicePort
        {
            Name = containerPorts.Count > 1 ? (string.IsNullOrEmpty(cp.Name) ? "port-" + (i + 1).ToString(CultureInfo.InvariantCulture) : cp.Name) : null,
            Port = cp.ContainerPort,
            Protocol = protocol ?? cp.Protocol,
            TargetPort = target ?? IntOrString.FromInt(cp.ContainerPort),
        })];
    }
}
