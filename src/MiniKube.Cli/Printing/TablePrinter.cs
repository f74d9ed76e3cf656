using MiniKube.Api;
using MiniKube.Printing;

namespace MiniKube.Cli.Printing;

/// <summary>How a <c>get</c> table is laid out.</summary>
public sealed record TableOptions
{
    public bool Wide { get; init; }
    public bool NoHeaders { get; init; }
    public bool ShowLabels { get; init; }
    /// <summary>-A: a NAMESPACE column first (namespaced kinds only).</summary>
    public bool WithNamespace { get; init; }
    /// <summary>Several types in one command: names print as <c>pod/web</c>.</summary>
    public bool WithKind { get; init; }
}

/// <summary>Builds kubectl tables: the kind's columns plus NAMESPACE, LABELS and kind-qualified names as asked.</summary>
public sealed class TablePrinter(TableOptions options)
{
    public TableOptions Options { get; } = options;

    public IReadOnlyList<string> Header(ResourceInfo resource)
    {
        var headers = new List<string>(ResourceTables.For(resource).Headers(Options.Wide));
        if (Options.WithNamespace && resource.Namespaced)
        {
            headers.Insert(0, "NAMESPACE");
        }
        if (Options.ShowLabels)
        {
            headers.Add("LABELS");
        }
        return headers;
    }

    public IReadOnlyList<string> Row(ResourceInfo resource, KubeObject obj, DateTimeOffset now)
    {
        var table = ResourceTables.For(resource);
        var cells = new List<string>(table.Cells(obj, Options.Wide, now));
        if (Options.WithKind)
        {
            var nameIndex = table.Headers(Options.Wide).ToList().IndexOf(ResourceTable.NameHeader);
            if (nameIndex >= 0)
            {
                cells[nameIndex] = ResourceNames.Reference(resource, cells[nameIndex]);
            }
        }
        if (Options.WithNamespace && resource.Namespaced)
        {
            cells.Insert(0, obj.Metadata.Namespace ?? "");
        }
        if (Options.ShowLabels)
        {
            cells.Add(Text.Labels(obj.Metadata.Labels));
        }
        return cells;
    }

    public TextTable Table(ResourceInfo resource, IEnumerable<KubeObject> items, DateTimeOffset now)
    {
        var table = new TextTable();
        if (!Options.NoHeaders)
        {
            table.AddRow(Header(resource));
        }
        foreach (var item in items)
        {
            table.AddRow(Row(resource, item, now));
        }
        return table;
    }
}
