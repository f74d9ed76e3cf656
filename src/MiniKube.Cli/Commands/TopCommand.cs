using System.CommandLine;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Client;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl top pods|nodes</c>: resource usage from the metrics API (metrics.k8s.io), in kubectl's columns — CPU in
/// millicores, memory in Mi, and for nodes the share of their allocatable.
/// </summary>
public sealed class TopCommand(CommandRunner runner)
{
    public Command Build()
    {
        var top = new Command("top", "Display resource (CPU/memory) usage.\n\nThe metrics come from the API server's resource metrics pipeline, which reads every kubelet each --metric-resolution.");
        top.Subcommands.Add(BuildPods());
        top.Subcommands.Add(BuildNodes());
        return top;
    }

    private Command BuildPods()
    {
        var name = new Argument<string?>("name") { Description = "A pod name (else every pod)", Arity = ArgumentArity.ZeroOrOne };
        var selector = CommonOptions.Selector();
        var allNamespaces = CommonOptions.AllNamespaces("list");
        var containers = new Option<bool>("--containers") { Description = "If present, print usage of containers within a pod" };
        var sortBy = new Option<string?>("--sort-by") { Description = "If non-empty, sort pods list using specified field. The field can be either 'cpu' or 'memory'" };
        var noHeaders = new Option<bool>("--no-headers") { Description = "If present, print output without headers" };
        var command = new Command("pod", "Display resource (CPU/memory) usage of pods.") { name, selector, allNamespaces, containers, sortBy, noHeaders };
        command.Aliases.Add("pods");
        command.Aliases.Add("po");
        runner.Attach(command, async (session, parse) =>
        {
            var sort = SortKey(parse.GetValue(sortBy));
            var all = parse.GetValue(allNamespaces);
            var ns = all ? null : session.Namespace;
            IReadOnlyList<PodMetrics> metrics;
            if (parse.GetValue(name) is { Length: > 0 } podName)
            {
                try
                {
                    metrics = [await session.Client.GetPodMetricsAsync(session.Namespace, podName, session.Token).ConfigureAwait(false)];
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    throw new CliException($"Metrics not available for pod {session.Namespace}/{podName}: the metrics pipeline has not sampled it twice yet, or it is not running");
                }
            }
            else
            {
                metrics = await session.Client.ListPodMetricsAsync(ns, parse.GetValue(selector), session.Token).ConfigureAwait(false);
            }
            if (metrics.Count == 0)
            {
                await session.Err.WriteLineAsync(all ? "No resources found" : $"No resources found in {session.Namespace} namespace.").ConfigureAwait(false);
                return 0;
            }
            var ordered = sort switch
            {
                "cpu" => metrics.OrderByDescending(m => Sum(m, ResourceName.Cpu)),
                "memory" => metrics.OrderByDescending(m => Sum(m, ResourceName.Memory)),
                _ => metrics.OrderBy(m => m.Metadata.Namespace, StringComparer.Ordinal).ThenBy(m => m.Metadata.Name, StringComparer.Ordinal),
            };
            var table = new TextTable();
            var headers = new List<string>();
            if (all)
            {
                headers.Add("NAMESPACE");
            }
            if (parse.GetValue(containers))
            {
                headers.AddRange(["POD", "NAME"]);
            }
            else
            {
                headers.Add("NAME");
            }
            headers.AddRange(["CPU(cores)", "MEMORY(bytes)"]);
            if (!parse.GetValue(noHeaders))
            {
                table.AddRow(headers);
            }
            foreach (var m in ordered)
            {
                var prefix = all ? new[] { m.Metadata.Namespace ?? "" } : [];
                if (parse.GetValue(containers))
                {
                    foreach (var c in m.Containers.OrderBy(c => c.Name, StringComparer.Ordinal))
                    {
                        table.AddRow([.. prefix, m.Metadata.Name ?? "", c.Name, Cpu(c.Usage.GetValueOrDefault(ResourceName.Cpu)), Memory(c.Usage.GetValueOrDefault(ResourceName.Memory))]);
                    }
                }
                else
                {
                    table.AddRow([.. prefix, m.Metadata.Name ?? "", Cpu(Sum(m, ResourceName.Cpu)), Memory(Sum(m, ResourceName.Memory))]);
                }
            }
            table.WriteTo(session.Out);
            return 0;
        });
        return command;
    }

    private Command BuildNodes()
    {
        var name = new Argument<string?>("name") { Description = "A node name (else every node)", Arity = ArgumentArity.ZeroOrOne };
        var selector = CommonOptions.Selector();
        var sortBy = new Option<string?>("--sort-by") { Description = "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or 'memory'" };
        var noHeaders = new Option<bool>("--no-headers") { Description = "If present, print output without headers" };
        var command = new Command("node", "Display resource (CPU/memory) usage of nodes.") { name, selector, sortBy, noHeaders };
        command.Aliases.Add("nodes");
        command.Aliases.Add("no");
        runner.Attach(command, async (session, parse) =>
        {
            var sort = SortKey(parse.GetValue(sortBy));
            IReadOnlyList<Node> nodes;
            if (parse.GetValue(name) is { Length: > 0 } nodeName)
            {
                nodes = [await session.Client.GetAsync<Node>(nodeName, null, session.Token).ConfigureAwait(false)];
            }
            else
            {
                nodes = (await session.Client.ListAsync<Node>(null, parse.GetValue(selector), null, session.Token).ConfigureAwait(false)).Items;
            }
            var metrics = (await session.Client.ListNodeMetricsAsync(parse.GetValue(selector), session.Token).ConfigureAwait(false))
                .ToDictionary(m => m.Metadata.Name ?? "", StringComparer.Ordinal);
            if (nodes.Count == 0)
            {
                await session.Err.WriteLineAsync("No resources found").ConfigureAwait(false);
                return 0;
            }
            Quantity Usage(Node n, string resource) => metrics.GetValueOrDefault(n.Metadata.Name ?? "")?.Usage.GetValueOrDefault(resource) ?? default;
            var ordered = sort switch
            {
                "cpu" => nodes.OrderByDescending(n => Usage(n, ResourceName.Cpu)),
                "memory" => nodes.OrderByDescending(n => Usage(n, ResourceName.Memory)),
                _ => nodes.OrderBy(n => n.Metadata.Name, StringComparer.Ordinal),
            };
            var table = new TextTable();
            if (!parse.GetValue(noHeaders))
            {
                table.AddRow(["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]);
            }
            foreach (var node in ordered)
            {
                if (!metrics.TryGetValue(node.Metadata.Name ?? "", out var m))
                {
                    table.AddRow([node.Metadata.Name ?? "", "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
                    continue;
                }
                var cpu = m.Usage.GetValueOrDefault(ResourceName.Cpu);
                var memory = m.Usage.GetValueOrDefault(ResourceName.Memory);
                var allocatable = node.Status?.Allocatable ?? node.Status?.Capacity;
                table.AddRow([node.Metadata.Name ?? "", Cpu(cpu), Percent(cpu.MilliValue, allocatable?.GetValueOrDefault(ResourceName.Cpu).MilliValue ?? 0),
                    Memory(memory), Percent(memory.Value, allocatable?.GetValueOrDefault(ResourceName.Memory).Value ?? 0)]);
            }
            table.WriteTo(session.Out);
            return 0;
        });
        return command;
    }

    private static string? SortKey(string? sortBy) => sortBy switch
    {
        null or "" => null,
        "cpu" or "memory" => sortBy,
        _ => throw new CliException($"--sort-by accepts only cpu or memory (got \"{sortBy}\")"),
    };

    private static Quantity Sum(PodMetrics m, string resource) =>
        m.Containers.Aggregate(default(Quantity), (total, c) => total + c.Usage.GetValueOrDefault(resource));

    /// <summary>kubectl's CPU cell: millicores.</summary>
    public static string Cpu(Quantity cpu) => cpu.MilliValue.ToString(CultureInfo.InvariantCulture) + "m";

    /// <summary>kubectl's memory cell: whole MiB.</summary>
    public static string Memory(Quantity memory) => (memory.Value / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi";

    private static string Percent(long used, long total) =>
        total <= 0 ? "<unknown>" : (used * 100 / total).ToString(CultureInfo.InvariantCulture) + "%";
}
