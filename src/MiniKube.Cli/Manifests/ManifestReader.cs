using System.Text;
using MiniKube.Api;

namespace MiniKube.Cli.Manifests;

/// <summary>A manifest file's text and the name to report it by (the path as given, or <c>STDIN</c>).</summary>
public sealed record ManifestSource(string Name, string Text);

/// <summary>One decoded object and where it came from.</summary>
public sealed record ManifestObject(string Source, KubeObject Object);

/// <summary>Why one document of one file could not be decoded.</summary>
public sealed record ManifestError(string Source, int Document, int DocumentCount, IReadOnlyList<FieldError> Errors)
{
    /// <summary><c>error validating "pod.yaml": spec.containers[0].imagee: unknown field</c>, one line per field error.</summary>
    public IEnumerable<string> Lines()
    {
        var where = DocumentCount > 1 ? $"\"{Source}\" (document {Document})" : $"\"{Source}\"";
        return Errors.Select(e => $"error validating {where}: {e}");
    }
}

/// <summary>All objects of a set of manifests, or every reason they could not be read.</summary>
public sealed record ManifestSet(IReadOnlyList<ManifestObject> Objects, IReadOnlyList<ManifestError> Errors)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Reads <c>-f</c> arguments: files, directories (their <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c> files, sorted;
/// with <c>-R</c> also in subdirectories) and <c>-</c> for stdin, and decodes every document strictly.
/// </summary>
public sealed class ManifestReader(TextReader stdin)
{
    public const string StdinName = "STDIN";
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public IReadOnlyList<ManifestSource> ReadSources(IReadOnlyList<string> paths, bool recursive)
    {
        if (paths.Count == 0)
        {
            throw new CliException("must specify one of -f and -k");
        }
        var sources = new List<ManifestSource>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                sources.Add(new ManifestSource(StdinName, stdin.ReadToEnd()));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
                sources.AddRange(files.Select(f => new ManifestSource(f, File.ReadAllText(f))));
            }
            else if (File.Exists(path))
            {
                sources.Add(new ManifestSource(path, File.ReadAllText(path)));
            }
            else
            {
                throw new CliException($"the path \"{path}\" does not exist");
            }
        }
        return sources;
    }

    public ManifestSet Read(IReadOnlyList<string> paths, bool recursive) => Decode(ReadSources(paths, recursive));

    /// <summary>Decodes every document of every source; errors are collected, not thrown.</summary>
    public static ManifestSet Decode(IReadOnlyList<ManifestSource> sources)
    {
        var objects = new List<ManifestObject>();
        var errors = new List<ManifestError>();
        foreach (var source in sources)
        {
            var documents = SplitDocuments(source.Text);
            for (var i = 0; i < documents.Count; i++)
            {
                try
                {
                    objects.AddRange(KubeSerializer.DecodeManifests(documents[i]).Select(o => new ManifestObject(source.Name, o)));
                }
                catch (DecodeException ex)
                {
                    errors.Add(new ManifestError(source.Name, i + 1, documents.Count, ex.Errors));
                }
            }
        }
        return new ManifestSet(objects, errors);
    }

    /// <summary>
    /// Splits a YAML stream at <c>---</c> lines into its non-empty documents (a JSON text is one document), so errors
    /// can say which document they are in.
    /// </summary>
    public static IReadOnlyList<string> SplitDocuments(string text)
    {
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return [text];
        }
        var documents = new List<string>();
        var current = new StringBuilder();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line == "---" || line.StartsWith("--- ", StringComparison.Ordinal) || line.StartsWith("---\t", StringComparison.Ordinal))
            {
                Flush();
                var rest = line[3..].Trim();
                if (rest.Length > 0 && !rest.StartsWith('#'))
                {
                    current.Append(rest).Append('\n');
                }
                continue;
            }
            if (line == "...")
            {
                continue;
            }
            current.Append(line).Append('\n');
        }
        Flush();
        return documents;

        void Flush()
        {
            var document = current.ToString();
            current.Clear();
            if (document.Split('\n').Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#') && !l.StartsWith('%')))
            {
                documents.Add(document);
            }
        }
    }
}
