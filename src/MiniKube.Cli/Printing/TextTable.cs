using System.Text;
using MiniKube.Printing;

namespace MiniKube.Cli.Printing;

/// <summary>
/// kubectl's table layout: left-aligned columns, each as wide as its widest cell plus three spaces,
/// the last column unpadded (no trailing blanks).
/// </summary>
public sealed class TextTable
{
    public const int Padding = 3;

    private readonly List<IReadOnlyList<string>> _rows = [];

    public void AddRow(IReadOnlyList<string> cells) => _rows.Add(cells);

    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    /// <summary>Column widths (without padding) over every row added so far.</summary>
    public int[] Widths()
    {
        var count = _rows.Count == 0 ? 0 : _rows.Max(r => r.Count);
        var widths = new int[count];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        return widths;
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = Widths();
        foreach (var row in _rows)
        {
            writer.Write(FormatRow(row, widths));
            writer.Write('\n');
        }
    }

    public override string ToString()
    {
        using var writer = new StringWriter();
        WriteTo(writer);
        return writer.ToString();
    }

    /// <summary>One row laid out on <paramref name="widths"/> (a cell wider than its column pushes the rest right).</summary>
    public static string FormatRow(IReadOnlyList<string> cells, IReadOnlyList<int> widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            line.Append(cells[i]);
            if (i < cells.Count - 1)
            {
                var width = i < widths.Count ? widths[i] : 0;
                line.Append(' ', Math.Max(width - cells[i].Length, 0) + Padding);
            }
        }
        return line.ToString().TrimEnd();
    }
}
