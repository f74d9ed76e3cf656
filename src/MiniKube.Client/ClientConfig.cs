namespace MiniKube.Client;

/// <summary>
/// Where the API server is: <c>--server</c>, else <c>MINIKUBE_SERVER</c>, else the client config file
/// (<c>~/.minikube/config</c>, line <c>server: URL</c>, written by cluster bring-up), else the local default.
/// </summary>
public static class ClientConfig
{
    public const string DefaultServer = "http://127.0.0.1:8081";
    public const string ServerEnvironmentVariable = "MINIKUBE_SERVER";

    public const string ConfigEnvironmentVariable = "MINIKUBE_CONFIG";

    public static string ConfigFilePath => ConfigFilePathFrom(Environment.GetEnvironmentVariable);

    public static string ResolveServer(string? flag) => ResolveServer(flag, Environment.GetEnvironmentVariable);

    /// <summary>
    /// Same resolution, reading environment variables through <paramref name="environment"/> (so tools hosted
    /// in-process, such as minictl under test, can supply their own environment).
    /// </summary>
    public static string ResolveServer(string? flag, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return flag.Trim();
        }
        var env = environment(ServerEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env.Trim();
        }
        return ReadConfigServer(ConfigFilePathFrom(environment)) ?? DefaultServer;
    }

    private static string ConfigFilePathFrom(Func<string, string?> environment) =>
        environment(ConfigEnvironmentVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".minikube", "config");

    private static string? ReadConfigServer(string path)
    {
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
