namespace MiniKube.Client;

/// <summary>
/// Where the API server is: <c>--server</c>, else <c>MINIKUBE_SERVER</c>, else the client config file
/// (<c>~/.minikube/config</c>, line <c>server: URL</c>, written by cluster bring-up), else the local default.
/// </summary>
public static class ClientConfig
{
    public const string DefaultServer = "http://127.0.0.1:8081";
    public const string ServerEnvironmentVariable = "MINIKUBE_SERVER";

    public static string ConfigFilePath =>
        Environment.GetEnvironmentVariable("MINIKUBE_CONFIG")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".minikube", "config");

    public static string ResolveServer(string? flag)
    {
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return flag.Trim();
        }
        var env = Environment.GetEnvironmentVariable(ServerEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env.Trim();
        }
        return ReadConfigServer() ?? DefaultServer;
    }

    private static string? ReadConfigServer()
    {
        var path = ConfigFilePath;
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("server:", StringComparison.Ordinal))
            {
                var value = trimmed["server:".Length..].Trim().Trim('"');
                return value.Length > 0 ? value : null;
            }
        }
        return null;
    }
}
