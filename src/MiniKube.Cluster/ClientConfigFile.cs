namespace MiniKube.Cluster;

/// <summary>Writes the <c>server: URL</c> line of the client config that <c>MiniKube.Client.ClientConfig</c> reads, keeping other lines.</summary>
public static class ClientConfigFile
{
    private const string Header = "# Written by `minictl cluster up`: minictl (and the components) talk to this API server unless --server or MINIKUBE_SERVER say otherwise.";

    public static void WriteServer(string path, string server)
    {
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [Header];
        var index = lines.FindIndex(IsServerLine);
        if (index >= 0)
        {
            lines[index] = "server: " + server;
        }
        else
        {
            lines.Add("server: " + server);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The server the file names, or null.</summary>
    public static string? ReadServer(string path) =>
        File.Exists(path) ? File.ReadLines(path).Where(IsServerLine).Select(l => l.Trim()["server:".Length..].Trim().Trim('"')).FirstOrDefault() : null;

    /// <summary>Removes the file if it only points at <paramref name="server"/> (down --purge); keeps it otherwise.</summary>
    public static bool RemoveIfServer(string path, string server)
    {
        if (ReadServer(path) != server)
        {
            return false;
        }
        var others = File.ReadLines(path).Where(l => !IsServerLine(l) && l != Header && l.Trim().Length > 0).ToList();
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

    private static bool IsServerLine(string line) => line.TrimStart().StartsWith("server:", StringComparison.Ordinal);
}
