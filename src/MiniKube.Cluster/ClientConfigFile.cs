namespace MiniKube.Cluster;

/// <summary>
/// Writes the lines of the client config that <c>MiniKube.Client.ClientConfig</c> reads — <c>server:</c>, and the cluster CA
/// and admin certificate as <c>certificate-authority:</c>, <c>client-certificate:</c>, <c>client-key:</c> — keeping other lines.
/// </summary>
public static class ClientConfigFile
{
    private const string Header = "# Written by `minictl cluster up`: minictl (and the components) talk to this API server, as the admin, unless --server or MINIKUBE_SERVER (and the credential flags) say otherwise.";

    /// <summary>The lines <c>cluster up</c> owns: replaced on each up, removed by <c>down --purge</c>.</summary>
    private static readonly string[] Keys = ["server", "certificate-authority", "client-certificate", "client-key"];

    public static void WriteServer(string path, string server) => Write(path, [("server", server)]);

    /// <summary>The server and the credentials of the admin of a cluster with TLS and client certificates.</summary>
    /// <param name="header">The comment a new file starts with (default: <c>cluster up</c>'s).</param>
    public static void Write(string path, string server, string certificateAuthority, CertificatePair admin, string? header = null) =>
        Write(path, [("server", server), ("certificate-authority", certificateAuthority), ("client-certificate", admin.Certificate), ("client-key", admin.Key)], header);

    private static void Write(string path, IReadOnlyList<(string Key, string Value)> values, string? header = null)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [header ?? Header];
        foreach (var (key, value) in values)
        {
            var index = lines.FindIndex(l => IsLine(l, key));
            if (index >= 0)
            {
                lines[index] = key + ": " + value;
            }
            else
            {
                lines.Add(key + ": " + value);
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The server the file names, or null.</summary>
    public static string? ReadServer(string path) =>
        File.Exists(path) ? File.ReadLines(path).Where(l => IsLine(l, "server")).Select(l => l.Trim()["server:".Length..].Trim().Trim('"')).FirstOrDefault() : null;

    /// <summary>Removes the file if it only points at <paramref name="server"/> (down --purge); keeps it otherwise.</summary>
    public static bool RemoveIfServer(string path, string server)
    {
        if (ReadServer(path) != server)
        {
            return false;
        }
        var others = File.ReadLines(path).Where(l => !Keys.Any(k => IsLine(l, k)) && l != Header && l.Trim().Length > 0).ToList();
        if (others.Count > 0)
        {
            File.WriteAllLines(path, others);
        }
        else
        {
            File.Delete(path);
        }
        return true;
    }

    private static bool IsLine(string line, string key) => line.TrimStart().StartsWith(key + ":", StringComparison.Ordinal);
}
