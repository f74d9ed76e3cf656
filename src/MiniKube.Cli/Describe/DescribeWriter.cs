using System.Text;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>
/// Builds kubectl-style describe text: lines indented two spaces per level, <c>Key:\tvalue</c> cells aligned the way
/// Go's tabwriter aligns them (padding 2), and raw blocks (YAML) copied through untouched.
/// </summary>
public sealed class DescribeWriter
{
    private const int Padding = 2;
    private const int MaxAnnotationLength = 140;

    private readonly StringBuilder _output = new();
    private readonly StringBuilder _aligned = new();

    /// <summary>One line at <paramref name="level"/>; tabs separate cells.</summary>
    public void Line(int level, string text) => _aligned.Append(' ', level * 2).Append(text).Append('\n');

    /// <summary><c>Key:\tvalue</c>; a null value prints as <c>&lt;none&gt;</c>, an empty one as nothing (as kubectl does).</summary>
    public void Field(int level, string key, string? value) => Line(level, $"{key}:\t{value ?? Text.None}");

    /// <summary>A heading (<c>Containers:</c>) that opens a nested section.</summary>
    public void Section(int level, string title) => Line(level, title + ":");

    /// <summary><c>Labels:\ta=1</c> then <c>\tb=2</c> per further entry, sorted; <c>&lt;none&gt;</c> when empty.</summary>
    public void Labels(int level, string title, IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0)
        {
            Field(level, title, null);
            return;
        }
        var first = true;
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Line(level, (first ? title + ":" : "") + "\t" + key + "=" + value);
            first = false;
        }
    }

    /// <summary>Annotations as kubectl shows them: <c>key: value</c>, long or multi-line values on their own lines, shortened.</summary>
    public void Annotations(int level, string title, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null || annotations.Count == 0)
        {
            Field(level, title, null);
            return;
        }
        var first = true;
        foreach (var (key, raw) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var prefix = first ? title + ":\t" : "\t";
            first = false;
            var value = raw.TrimEnd('\n');
            if (value.Length + key.Length + 2 > MaxAnnotationLength || value.Contains('\n'))
            {
                Line(level, prefix + key + ":");
                foreach (var part in value.Split('\n'))
                {
                    Line(level, "\t  " + Shorten(part, MaxAnnotationLength - 2));
                }
            }
            else
            {
                Line(level, prefix + key + ": " + value);
            }
        }
    }

    /// <summary><c>Title:\tfirst</c> then <c>\tnext</c> per further value; <c>&lt;none&gt;</c> when empty.</summary>
    public void List(int level, string title, IEnumerable<string> values)
    {
        var first = true;
        foreach (var value in values)
        {
            Line(level, (first ? title + ":" : "") + "\t" + value);
            first = false;
        }
        if (first)
        {
            Field(level, title, null);
        }
    }

    /// <summary>A table: header, dashes under each header, rows (all tab-separated, aligned as a block).</summary>
    public void Table(int level, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line(level, string.Join("\t", headers));
        Line(level, string.Join("\t", headers.Select(h => new string('-', h.Length))));
        foreach (var row in rows)
        {
            Line(level, string.Join("\t", row));
        }
    }

    /// <summary>Text copied as is (e.g. YAML), outside tab alignment.</summary>
    public void Raw(string text)
    {
        FlushAligned();
        _output.Append(text);
        if (!text.EndsWith('\n'))
        {
            _output.Append('\n');
        }
    }

    public override string ToString()
    {
        FlushAligned();
        return _output.ToString();
    }

    private void FlushAligned()
    {
        if (_aligned.Length > 0)
        {
            _output.Append(TabWriter.Align(_aligned.ToString(), Padding));
            _aligned.Clear();
        }
    }

    private static string Shorten(string text, int max) => text.Length > max ? text[..max] + "..." : text;
}
