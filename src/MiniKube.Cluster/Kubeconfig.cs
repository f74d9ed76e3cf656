using YamlDotNet.RepresentationModel;

namespace MiniKube.Cluster;

/// <summary>
/// kubectl's kubeconfig (<c>$KUBECONFIG</c>'s first file, else <c>~/.kube/config</c>): <c>cluster up</c> adds a cluster, user and
/// context named after the cluster and makes it current, as kind and minikube do; <c>down --purge</c> removes them again.
/// Other entries are kept as they are.
/// </summary>
public static class Kubeconfig
{
    public static string PathFrom(Func<string, string?> environment)
    {
        var variable = environment("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }
        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".kube", "config");
    }

    /// <summary>
    /// Adds (or replaces) cluster, user and context <paramref name="name"/> for <paramref name="server"/> and sets
    /// current-context. With <paramref name="certificateAuthority"/> and <paramref name="admin"/> (a cluster with TLS and
    /// client certificates) the cluster carries the CA inline (<c>certificate-authority-data</c>) and the user names the
    /// admin's certificate and key files, so the key stays in its 0600 file.
    /// </summary>
    public static void AddCluster(string path, string name, string server, string? certificateAuthority = null, CertificatePair? admin = null)
    {
        var root = Load(path);
        var cluster = new YamlMappingNode { { "server", server } };
        if (certificateAuthority is not null)
        {
            cluster.Add("certificate-authority-data", Convert.ToBase64String(File.ReadAllBytes(certificateAuthority)));
        }
        Upsert(root, "clusters", name, "cluster", cluster);
        // Without a certificate, a token nobody checks: some clients (the .NET one) refuse a user without credentials.
        Upsert(root, "users", name, "user", admin is null
            ? new YamlMappingNode { { "token", "minikube" } }
            : new YamlMappingNode { { "client-certificate", admin.Certificate }, { "client-key", admin.Key } });
        Upsert(root, "contexts", name, "context", new YamlMappingNode { { "cluster", name }, { "user", name } });
        root.Children[new YamlScalarNode("current-context")] = new YamlScalarNode(name);
        Save(path, root);
    }

    /// <summary>Removes the entries named <paramref name="name"/>; current-context is cleared if it was this cluster. False when absent.</summary>
    public static bool RemoveCluster(string path, string name)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        var root = Load(path);
        var removed = false;
        foreach (var list in new[] { "clusters", "users", "contexts" })
        {
            if (root.Children.TryGetValue(new YamlScalarNode(list), out var node) && node is YamlSequenceNode sequence)
            {
                var matches = sequence.Children.Where(e => IsNamed(e, name)).ToList();
                foreach (var match in matches)
                {
                    sequence.Children.Remove(match);
                    removed = true;
                }
            }
        }
        if (root.Children.TryGetValue(new YamlScalarNode("current-context"), out var current) && current is YamlScalarNode { Value: { } value } && value == name)
        {
            root.Children[new YamlScalarNode("current-context")] = new YamlScalarNode("");
        }
        if (removed)
        {
            Save(path, root);
        }
        return removed;
    }

    private static YamlMappingNode Load(string path)
    {
        if (!File.Exists(path))
        {
            return new YamlMappingNode
            {
                { "apiVersion", "v1" },
                { "kind", "Config" },
                { "preferences", new YamlMappingNode() },
            };
        }
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new ClusterException($"cannot update the kubeconfig {path}: it is not valid YAML ({ex.Message}); fix or move it and run again");
        }
        if (stream.Documents.Count == 0)
        {
            return Load("");
        }
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new ClusterException($"cannot update the kubeconfig {path}: its top level is not a mapping");
    }

    private static void Upsert(YamlMappingNode root, string list, string name, string field, YamlMappingNode body)
    {
        var key = new YamlScalarNode(list);
        if (!root.Children.TryGetValue(key, out var node) || node is not YamlSequenceNode sequence)
        {
            sequence = new YamlSequenceNode();
            root.Children[key] = sequence;
        }
        var entry = new YamlMappingNode { { "name", name }, { field, body } };
        var index = sequence.Children.ToList().FindIndex(e => IsNamed(e, name));
        if (index >= 0)
        {
            sequence.Children[index] = entry;
        }
        else
        {
            sequence.Children.Add(entry);
        }
    }

    private static bool IsNamed(YamlNode entry, string name) =>
        entry is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { } v } && v == name;

    private static void Save(string path, YamlMappingNode root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
