using System.Text;
using MiniKube.Printing;

namespace MiniKube.Cli.Printing;

/// <summary>
/// Aligns tab-separated text with the semantics of Go's <c>text/tabwriter</c>, which kubectl's describe output
/// relies on: a cell is text terminated by a tab; consecutive lines that have a cell in the same column form a
/// block aligned to that block's widest cell plus padding; a line without that cell ends the block. The last
/// cell of a line is never padded.
/// </summary>
public static class TabWriter
{
    public static string Align(string text, int padding)
    {
        var lines = text.Split('\n');
        var trailingNewline = text.EndsWith('\n');
        var count = trailingNewline ? lines.Length - 1 : lines.Length;
        var cells = new List<string[]>(count);
        for (var i = 0; i < count; i++)
        {
            cells.Add(lines[i].Split('\t'));
        }
        var output = new StringBuilder(text.Length + 64);
        Format(cells, 0, count, [], padding, output);
        var result = output.ToString();
        return trailingNewline || result.Length == 0 ? result : result[..^1];
    }

    // Mirrors the recursive block formatting of Go's tabwriter: for column `widths.Count`, find runs of lines
    // that have a tab-terminated cell there, size the column over the run, and recurse for the next column.
    // Every line in [line0, line1) is written exactly once, in order.
    private static void Format(List<string[]> lines, int line0, int line1, List<int> widths, int padding, StringBuilder output)
    {
        var column = widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= lines[current].Length - 1)
            {
                continue;
            }
            Write(lines, line0, current, widths, output);
            line0 = current;
            var width = 0;
            for (; current < line1 && column < lines[current].Length - 1; current++)
            {
                width = Math.Max(width, lines[current][column].Length + padding);
            }
            widths.Add(width);
            Format(lines, line0, current, widths, padding, output);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
        }
        Write(lines, line0, line1, widths, output);
    }

    private static void Write(List<string[]> lines, int from, int to, List<int> widths, StringBuilder output)
    {
        for (var i = from; i < to; i++)
        {
            var cells = lines[i];
            for (var j = 0; j < cells.Length; j++)
            {
                output.Append(cells[j]);
                if (j < widths.Count && j < cells.Length - 1)
                {
                    output.Append(' ', Math.Max(widths[j] - cells[j].Length, 0));
                }
            }
            output.Append('\n');
        }
    }
}
