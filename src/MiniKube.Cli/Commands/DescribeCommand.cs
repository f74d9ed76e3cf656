using System.CommandLine;
using MiniKube.Api;
using MiniKube.Cli.Describe;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl describe TYPE [NAME_PREFIX…] | TYPE/NAME</c>: kubectl-style sections per kind, always closed by the
/// object's Events. A name that matches no object exactly describes every object whose name starts with it.
/// </summary>
public sealed class DescribeCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE [NAME_PREFIX…] or TYPE/NAME");
    private readonly Option<string?> _selector = CommonOptions.Selector();
    private readonly Option<bool> _allNamespaces = CommonOptions.AllNamespaces("describe");

    public Command Build()
    {
        var command = new Command("describe", "Show details of a specific resource or group of resources, including its events.")
        {
            _resources, _selector, _allNamespaces,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var args = parse.GetValue(_resources) ?? [];
        if (args.Length == 0)
        {
            throw new CliException("you must specify the type of resource to describe. Use \"minictl api-resources\" for a complete list of supported resources");
        }
        var requests = ResourceArgs.Parse(args);
        var selector = parse.GetValue(_selector);
        var allNamespaces = parse.GetValue(_allNamespaces);
        var query = new Query(session, allNamespaces, selector, null);
        var failed = false;
        var found = new List<(ResourceInfo Resource, KubeObject Object)>();
        foreach (var request in requests)
        {
            if (request.Names.Count == 0)
            {
                found.AddRange((await query.ListAsync(request.Resource).ConfigureAwait(false)).Select(o => (request.Resource, o)));
                continue;
            }
            foreach (var name in request.Names)
            {
                try
                {
                    found.Add((request.Resource, await query.GetAsync(request.Resource, name).ConfigureAwait(false)));
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    var byPrefix = (await query.ListAsync(request.Resource).ConfigureAwait(false))
                        .Where(o => o.Metadata.Name?.StartsWith(name, StringComparison.Ordinal) == true)
                        .ToList();
                    if (byPrefix.Count == 0)
                    {
                        await session.Err.WriteLineAsync(ErrorFormatter.Format(ex)).ConfigureAwait(false);
                        failed = true;
                    }
                    found.AddRange(byPrefix.Select(o => (request.Resource, o)));
                }
            }
        }
        if (found.Count == 0 && !failed)
        {
            await session.Err.WriteLineAsync(GetCommand.NoResourcesMessage(requests, session.Namespace, allNamespaces)).ConfigureAwait(false);
            return 0;
        }
        var context = new DescribeContext(session.Client, session.Now, session.Token);
        var first = true;
        foreach (var (resource, obj) in found)
        {
            var w = new DescribeWriter();
            await Describers.For(resource).DescribeAsync(obj, w, context).ConfigureAwait(false);
            DescribeContext.WriteEvents(w, await context.EventsForAsync(resource, obj).ConfigureAwait(false), context.Now);
            await session.Out.WriteAsync((first ? "" : "\n\n") + w).ConfigureAwait(false);
            first = false;
        }
        return failed ? CommandRunner.Failure : 0;
    }
}
