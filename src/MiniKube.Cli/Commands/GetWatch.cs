using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>get -w</c>: the current objects, then one row (or document) per change from the list's resourceVersion,
/// until Ctrl-C or the request timeout.
/// </summary>
public sealed class GetWatch(CliSession session, TablePrinter printer, OutputKind output, bool withEventType)
{
    private int[] _widths = [];
    private bool _headerPrinted;
    private int _documents;

    public async Task<int> RunAsync(IReadOnlyList<ResourceRequest> requests, Query query, bool listFirst)
    {
        if (requests.Count != 1)
        {
            throw new CliException("you may only specify a single resource type");
        }
        var request = requests[0];
        if (request.Names.Count > 1)
        {
            throw new CliException($"watch is only supported on individual resources and resource collections, but {request.Names.Count} resources were found");
        }
        var resource = request.Resource;
        string? nameSelector = null;
        if (request.Names.Count == 1)
        {
            // Fails with NotFound like kubectl when the named object does not exist.
            await query.GetAsync(resource, request.Names[0]).ConfigureAwait(false);
            nameSelector = "metadata.name=" + request.Names[0];
        }
        try
        {
            var (items, version) = await query.ListWithVersionAsync(resource, nameSelector).ConfigureAwait(false);
            if (listFirst)
            {
                await PrintInitialAsync(resource, items).ConfigureAwait(false);
            }
            var fields = string.Join(",", new[] { query.FieldSelector, nameSelector }.Where(s => !string.IsNullOrEmpty(s)));
            await foreach (var e in session.Client.WatchAsync(resource, query.NamespaceFor(resource), query.LabelSelector,
                               fields.Length == 0 ? null : fields, version, cancellationToken: session.Token).ConfigureAwait(false))
            {
                if (e.IsBookmark)
                {
                    continue;
                }
                await PrintEventAsync(resource, e.Type, e.Object).ConfigureAwait(false);
            }
        }
        catch (Exception) when (session.Token.IsCancellationRequested)
        {
            // Ctrl-C or --request-timeout ends a watch normally. A stream cut mid-read may surface as a transport
            // error rather than a cancellation; once we cancelled, it is a consequence of that either way.
        }
        return 0;
    }

    private async Task PrintInitialAsync(ResourceInfo resource, IReadOnlyList<KubeObject> items)
    {
        if (output is OutputKind.Table or OutputKind.Wide)
        {
            if (items.Count == 0)
            {
                return;
            }
            var table = new TextTable();
            if (!printer.Options.NoHeaders)
            {
                table.AddRow(WithEventColumn(printer.Header(resource), "EVENT"));
                _headerPrinted = true;
            }
            foreach (var item in items)
            {
                table.AddRow(WithEventColumn(printer.Row(resource, item, session.Now), WatchEventTypes.Added));
            }
            _widths = table.Widths();
            await session.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
            await session.Out.FlushAsync().ConfigureAwait(false);
            return;
        }
        foreach (var item in items)
        {
            await PrintEventAsync(resource, WatchEventTypes.Added, item).ConfigureAwait(false);
        }
    }

    private async Task PrintEventAsync(ResourceInfo resource, string type, KubeObject obj)
    {
        switch (output)
        {
            case OutputKind.Table or OutputKind.Wide:
                var row = WithEventColumn(printer.Row(resource, obj, session.Now), type);
                if (!_headerPrinted && !printer.Options.NoHeaders)
                {
                    var header = WithEventColumn(printer.Header(resource), "EVENT");
                    _widths = header.Select((h, i) => Math.Max(h.Length, row[i].Length)).ToArray();
                    await session.Out.WriteLineAsync(TextTable.FormatRow(header, _widths)).ConfigureAwait(false);
                    _headerPrinted = true;
                }
                await session.Out.WriteLineAsync(TextTable.FormatRow(row, _widths)).ConfigureAwait(false);
                break;
            case OutputKind.Name:
                await session.Out.WriteLineAsync(ResourceNames.Reference(resource, obj.Metadata.Name)).ConfigureAwait(false);
                break;
            case OutputKind.Yaml:
                if (_documents++ > 0)
                {
                    await session.Out.WriteLineAsync("---").ConfigureAwait(false);
                }
                await session.Out.WriteAsync(ObjectPrinter.Yaml(obj)).ConfigureAwait(false);
                break;
            case OutputKind.Json:
                await session.Out.WriteAsync(ObjectPrinter.Json(obj)).ConfigureAwait(false);
                break;
        }
        await session.Out.FlushAsync().ConfigureAwait(false);
    }

    private IReadOnlyList<string> WithEventColumn(IReadOnlyList<string> cells, string value) =>
        withEventType ? [value, .. cells] : cells;
}
