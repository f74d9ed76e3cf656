using System.CommandLine;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl get TYPE[,TYPE…] [NAME…] | TYPE/NAME…</c> with kubectl's tables, <c>-o wide|yaml|json|name</c>,
/// selectors, <c>-A</c> and <c>-w</c>.
/// </summary>
public sealed class GetCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE[,TYPE…] [NAME…] or TYPE/NAME…");
    private readonly Option<string?> _output = CommonOptions.Output("json, yaml, name, wide");
    private readonly Option<string?> _selector = CommonOptions.Selector();
    private readonly Option<string?> _fieldSelector = CommonOptions.FieldSelector();
    private readonly Option<bool> _allNamespaces = CommonOptions.AllNamespaces("list");
    private readonly Option<bool> _watch = new("--watch", "-w") { Description = "After listing/getting the requested object, watch for changes" };
    private readonly Option<bool> _watchOnly = new("--watch-only") { Description = "Watch for changes to the requested object(s), without listing/getting first" };
    private readonly Option<bool> _outputWatchEvents = new("--output-watch-events") { Description = "Output watch event objects when --watch or --watch-only is used" };
    private readonly Option<bool> _noHeaders = new("--no-headers") { Description = "When using the default or custom-column output format, don't print headers (default print headers)" };
    private readonly Option<bool> _showLabels = new("--show-labels") { Description = "When printing, show all labels as the last column (default hide labels column)" };

    public Command Build()
    {
        var command = new Command("get", "Display one or many resources.\n\nPrints a table of the most important information about the specified resources.")
        {
            _resources, _output, _selector, _fieldSelector, _allNamespaces, _watch, _watchOnly, _outputWatchEvents, _noHeaders, _showLabels,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var args = parse.GetValue(_resources) ?? [];
        if (args.Length == 0)
        {
            throw new CliException("you must specify the type of resource to get. Use \"minictl api-resources\" for a complete list of supported resources");
        }
        var output = OutputFormat.Parse(parse.GetValue(_output));
        var requests = ResourceArgs.Parse(args);
        var selector = parse.GetValue(_selector);
        var fieldSelector = parse.GetValue(_fieldSelector);
        var byName = requests.Any(r => r.Names.Count > 0);
        if (byName && (!string.IsNullOrEmpty(selector) || !string.IsNullOrEmpty(fieldSelector)))
        {
            throw new CliException("name cannot be provided when a selector is specified");
        }
        var allNamespaces = parse.GetValue(_allNamespaces);
        if (byName && allNamespaces)
        {
            throw new CliException("a resource cannot be retrieved by name across all namespaces");
        }
        var printer = new TablePrinter(new TableOptions
        {
            Wide = output == OutputKind.Wide,
            NoHeaders = parse.GetValue(_noHeaders),
            ShowLabels = parse.GetValue(_showLabels),
            WithNamespace = allNamespaces,
            WithKind = requests.Count > 1,
        });
        var query = new Query(session, allNamespaces, selector, fieldSelector);
        if (parse.GetValue(_watch) || parse.GetValue(_watchOnly))
        {
            var watch = new GetWatch(session, printer, output, parse.GetValue(_outputWatchEvents));
            return await watch.RunAsync(requests, query, listFirst: !parse.GetValue(_watchOnly)).ConfigureAwait(false);
        }

        var failed = false;
        var results = new List<(ResourceInfo Resource, List<KubeObject> Items)>();
        foreach (var request in requests)
        {
            var items = new List<KubeObject>();
            if (request.Names.Count > 0)
            {
                foreach (var name in request.Names)
                {
                    try
                    {
                        items.Add(await query.GetAsync(request.Resource, name).ConfigureAwait(false));
                    }
                    catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
                    {
                        await session.Err.WriteLineAsync(ErrorFormatter.Format(ex)).ConfigureAwait(false);
                        failed = true;
                    }
                }
            }
            else
            {
                items.AddRange(await query.ListAsync(request.Resource).ConfigureAwait(false));
            }
            results.Add((request.Resource, items));
        }

        var all = results.SelectMany(r => r.Items).ToList();
        if (output is OutputKind.Yaml or OutputKind.Json)
        {
            var single = requests.Count == 1 && requests[0].Names.Count == 1;
            if (!(single && all.Count == 0))
            {
                await session.Out.WriteAsync(ObjectPrinter.Format(output, all, single)).ConfigureAwait(false);
            }
            return failed ? CommandRunner.Failure : 0;
        }
        if (all.Count == 0)
        {
            if (!byName)
            {
                await session.Err.WriteLineAsync(NoResourcesMessage(requests, session.Namespace, allNamespaces)).ConfigureAwait(false);
            }
            return failed ? CommandRunner.Failure : 0;
        }
        if (output == OutputKind.Name)
        {
            await session.Out.WriteAsync(ObjectPrinter.Format(output, all, single: false)).ConfigureAwait(false);
            return failed ? CommandRunner.Failure : 0;
        }
        var first = true;
        foreach (var (resource, items) in results.Where(r => r.Items.Count > 0))
        {
            if (!first)
            {
                await session.Out.WriteLineAsync().ConfigureAwait(false);
            }
            first = false;
            await session.Out.WriteAsync(printer.Table(resource, items, session.Now).ToString()).ConfigureAwait(false);
        }
        return failed ? CommandRunner.Failure : 0;
    }

    public static string NoResourcesMessage(IReadOnlyList<ResourceRequest> requests, string ns, bool allNamespaces) =>
        !allNamespaces && requests.Any(r => r.Resource.Namespaced) ? $"No resources found in {ns} namespace." : "No resources found";
}

/// <summary>Where and how <c>get</c> looks: namespace scope and selectors.</summary>
public sealed class Query(CliSession session, bool allNamespaces, string? labelSelector, string? fieldSelector)
{
    public string? LabelSelector { get; } = labelSelector;

    public string? FieldSelector { get; } = fieldSelector;

    /// <summary>The namespace to ask in: none for cluster-scoped kinds or with -A.</summary>
    public string? NamespaceFor(ResourceInfo resource) => resource.Namespaced && !allNamespaces ? session.Namespace : null;

    public Task<KubeObject> GetAsync(ResourceInfo resource, string name) =>
        session.Client.GetAsync(resource, name, resource.Namespaced ? session.Namespace : null, session.Token);

    public async Task<IReadOnlyList<KubeObject>> ListAsync(ResourceInfo resource) =>
        (await ListWithVersionAsync(resource).ConfigureAwait(false)).Items;

    /// <summary>
    /// Lists in Kubernetes' order (namespace, then name), whatever order the server's cache returned, so output is
    /// the same from run to run.
    /// </summary>
    public async Task<(IReadOnlyList<KubeObject> Items, string ResourceVersion)> ListWithVersionAsync(ResourceInfo resource, string? extraFieldSelector = null)
    {
        var fields = string.Join(",", new[] { FieldSelector, extraFieldSelector }.Where(s => !string.IsNullOrEmpty(s)));
        var (items, version) = await session.Client.ListAsync(resource, NamespaceFor(resource), LabelSelector, fields.Length == 0 ? null : fields, session.Token)
            .ConfigureAwait(false);
        var sorted = items
            .OrderBy(i => i.Metadata.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(i => i.Metadata.Name ?? "", StringComparer.Ordinal)
            .ToList();
        return (sorted, version);
    }
}
