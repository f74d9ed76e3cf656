using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary>The columns kubectl prints for one kind: header and cell function, some only with <c>-o wide</c>.</summary>
public abstract class ResourceTable
{
    public const string NameHeader = "NAME";

    public abstract IReadOnlyList<string> Headers(bool wide);

    public abstract IReadOnlyList<string> Cells(KubeObject obj, bool wide, DateTimeOffset now);

    /// <summary>Every column in order; <see cref="TableColumn.WideOnly"/> ones are Kubernetes' priority-1 columns.</summary>
    public abstract IReadOnlyList<TableColumn> Columns { get; }
}

/// <summary>One column of a kind's table: its header and whether only <c>-o wide</c> shows it.</summary>
public sealed record TableColumn(string Header, bool WideOnly)
{
    public bool IsName => Header == ResourceTable.NameHeader;
}

/// <summary>A table whose columns are declared in order by the derived class.</summary>
public abstract class ResourceTable<T> : ResourceTable where T : KubeObject
{
    private readonly List<(string Header, bool WideOnly, Func<T, DateTimeOffset, string> Cell)> _columns = [];

    public sealed override IReadOnlyList<string> Headers(bool wide) =>
        _columns.Where(c => wide || !c.WideOnly).Select(c => c.Header).ToList();

    public sealed override IReadOnlyList<string> Cells(KubeObject obj, bool wide, DateTimeOffset now)
    {
        var typed = (T)obj;
        return _columns.Where(c => wide || !c.WideOnly).Select(c => Text.OrNone(c.Cell(typed, now), allowEmpty: true)).ToList();
    }

    public sealed override IReadOnlyList<TableColumn> Columns => _columns.Select(c => new TableColumn(c.Header, c.WideOnly)).ToList();

    protected void Column(string header, Func<T, DateTimeOffset, string> cell) => _columns.Add((header, false, cell));

    protected void Column(string header, Func<T, string> cell) => _columns.Add((header, false, (o, _) => cell(o)));

    protected void Wide(string header, Func<T, string> cell) => _columns.Add((header, true, (o, _) => cell(o)));

    protected void Wide(string header, Func<T, DateTimeOffset, string> cell) => _columns.Add((header, true, cell));

    protected void NameColumn() => Column(NameHeader, o => o.Metadata.Name ?? "");

    protected void AgeColumn() => Column("AGE", (o, now) => HumanDuration.Since(o.Metadata.CreationTimestamp, now));
}

/// <summary>NAME and AGE, for any kind without its own table.</summary>
public sealed class GenericTable : ResourceTable<KubeObject>
{
    public GenericTable()
    {
        NameColumn();
        AgeColumn();
    }
}
