using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MiniKube.Scheduler.Config;

/// <summary>Collects "path: message" problems, so one run reports everything wrong with a file.</summary>
public sealed class ConfigErrors
{
    private readonly List<string> errors = [];

    public IReadOnlyList<string> All => errors;

    public bool Any => errors.Count > 0;

    public void Add(string path, string message) => errors.Add(path.Length == 0 ? message : $"{path}: {message}");

    public void Required(string path) => Add(path, "Required value");

    public void Invalid(string path, object? value, string detail) => Add(path, $"Invalid value: {Render(value)}: {detail}");

    public void NotSupported(string path, object? value, params string[] supported) =>
        Add(path, $"Unsupported value: {Render(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");

    public void Duplicate(string path, object? value) => Add(path, $"Duplicate value: {Render(value)}");

    private static string Render(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// A YAML node with its path in the document (<c>profiles[0].plugins.score</c>), and typed, strict
/// accessors that report wrong types and unknown fields instead of throwing.
/// </summary>
internal sealed class ConfigNode
{
    private readonly YamlNode node;

    private ConfigNode(YamlNode node, string path, ConfigErrors errors)
    {
        this.node = node;
        Path = path;
        Errors = errors;
    }

    public string Path { get; }

    public ConfigErrors Errors { get; }

    public bool IsMap => node is YamlMappingNode;

    public bool IsNull => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>Parses one YAML document; syntax errors are reported and give null.</summary>
    public static ConfigNode? Parse(string yaml, ConfigErrors errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            errors.Add("", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            return new ConfigNode(new YamlMappingNode(), "", errors);
        }
        return new ConfigNode(stream.Documents[0].RootNode, "", errors);
    }

    /// <summary>Reports keys other than <paramref name="known"/> as unknown fields (upstream decodes strictly too).</summary>
    public void AllowOnly(params string[] known)
    {
        if (node is not YamlMappingNode map)
        {
            return;
        }
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (Array.IndexOf(known, name) < 0)
            {
                Errors.Add(Child(name), "unknown field");
            }
        }
    }

    /// <summary>The value under <paramref name="key"/>, or null when absent or YAML null.</summary>
    public ConfigNode? Get(string key)
    {
        if (node is not YamlMappingNode map)
        {
            return null;
        }
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return null;
        }
        var child = new ConfigNode(value, Child(key), Errors);
        return child.IsNull ? null : child;
    }

    /// <summary>This node as a mapping; reports and gives false when it is something else.</summary>
    public bool ExpectMap()
    {
        if (node is YamlMappingNode)
        {
            return true;
        }
        Errors.Add(Path, "must be a mapping");
        return false;
    }

    public IEnumerable<ConfigNode> Items()
    {
        if (node is not YamlSequenceNode seq)
        {
            Errors.Add(Path, "must be a list");
            yield break;
        }
        var i = 0;
        foreach (var item in seq.Children)
        {
            yield return new ConfigNode(item, $"{Path}[{i++}]", Errors);
        }
    }

    public string? String(string key)
    {
        var child = Get(key);
        if (child is null)
        {
            return null;
        }
        if (child.node is not YamlScalarNode scalar)
        {
            Errors.Add(child.Path, "must be a string");
            return null;
        }
        return scalar.Value;
    }

    public long? Integer(string key)
    {
        var child = Get(key);
        if (child is null)
        {
            return null;
        }
        if (child.node is YamlScalarNode scalar && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        Errors.Add(child.Path, "must be an integer");
        return null;
    }

    public bool? Boolean(string key)
    {
        var child = Get(key);
        if (child is null)
        {
            return null;
        }
        if (child.node is YamlScalarNode scalar && bool.TryParse(scalar.Value, out var value))
        {
            return value;
        }
        Errors.Add(child.Path, "must be true or false");
        return null;
    }

    public IReadOnlyList<string> Strings(string key)
    {
        var child = Get(key);
        if (child is null)
        {
            return [];
        }
        var result = new List<string>();
        foreach (var item in child.Items())
        {
            if (item.node is YamlScalarNode s && s.Value is not null)
            {
                result.Add(s.Value);
            }
            else
            {
                Errors.Add(item.Path, "must be a string");
            }
        }
        return result;
    }

    private string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";
}
