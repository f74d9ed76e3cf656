using MiniKube.Security;

namespace MiniKube.Client;

/// <summary>
/// Where the API server is: <c>--server</c>, else <c>MINIKUBE_SERVER</c>, else the client config file
/// (<c>$MINIKUBE_CONFIG</c>, else <c>$MINIKUBE_HOME/config</c>, else <c>~/.minikube/config</c>; line <c>server: URL</c> or
/// <c>server: URL,URL,…</c>, written by <c>minictl cluster up</c>), else the local default. Several URLs make the client fail over.
/// </summary>
public static class ClientConfig
{
    /// <summary>The credential flags as given (null when absent); see <see cref="ResolveCredentials"/>.</summary>
    public sealed record CredentialFlags(string? Token = null, string? CertificateAuthority = null, string? ClientCertificate = null, string? ClientKey = null);

    public const string DefaultServer = "http://127.0.0.1:8081";
    public const string ServerEnvironmentVariable = "MINIKUBE_SERVER";

    public const string ConfigEnvironmentVariable = "MINIKUBE_CONFIG";

    /// <summary>Overrides <c>~/.minikube</c>, the directory of the client config and of a local cluster's state.</summary>
    public const string HomeEnvironmentVariable = "MINIKUBE_HOME";

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

    /// <summary>The API server URLs of a <c>--server</c> value: one URL, or several separated by commas.</summary>
    public static IReadOnlyList<string> ParseServers(string servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        return servers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Why <paramref name="servers"/> is not a usable <c>--server</c> value, or null when every URL in it is.</summary>
    public static string? ServerProblem(string servers)
    {
        var urls = ParseServers(servers ?? "");
        if (urls.Count == 0)
        {
            return $"invalid server address \"{servers}\": expected a URL such as {DefaultServer}, or several separated by commas";
        }
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return $"invalid server address \"{url}\": expected a URL such as {DefaultServer}, or several separated by commas";
            }
        }
        return null;
    }

    /// <summary><c>$MINIKUBE_HOME</c>, else <c>~/.minikube</c>.</summary>
    public static string HomeDirectoryFrom(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(HomeEnvironmentVariable) is { Length: > 0 } home
            ? Path.GetFullPath(home)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".minikube");
    }

    /// <summary><c>$MINIKUBE_CONFIG</c>, else <c>config</c> in <see cref="HomeDirectoryFrom"/>.</summary>
    public static string ConfigFilePathFrom(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(ConfigEnvironmentVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(HomeDirectoryFrom(environment), "config");
    }

    /// <summary>
    /// The credentials a client presents: each flag (kubectl's <c>--token</c>, <c>--certificate-authority</c>,
    /// <c>--client-certificate</c>, <c>--client-key</c>), else the line of the same name in the client config file.
    /// </summary>
    /// <exception cref="ArgumentException">A file cannot be loaded, or a certificate comes without its key (the message names the setting).</exception>
    public static ClientCredentials ResolveCredentials(CredentialFlags flags, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var config = ConfigFilePathFrom(environment);
        string? Pick(string? flag, string key) => !string.IsNullOrWhiteSpace(flag) ? flag.Trim() : ReadConfigValue(config, key);
        var token = Pick(flags.Token, "token");
        var caFile = Pick(flags.CertificateAuthority, "certificate-authority");
        var certFile = Pick(flags.ClientCertificate, "client-certificate");
        var keyFile = Pick(flags.ClientKey, "client-key");
        if ((certFile is null) != (keyFile is null))
        {
            throw new ArgumentException("client-certificate and client-key go together: set both (--client-certificate and --client-key) or neither");
        }
        return new ClientCredentials
        {
            BearerToken = token,
            CertificateAuthorities = caFile is null ? [] : Load("certificate-authority", caFile, () => PemFiles.ReadBundle(caFile)),
            ClientCertificate = certFile is null ? null : Load("client-certificate", certFile, () => PemFiles.ReadCertificateWithKey(certFile, keyFile!)),
        };
    }

    private static T Load<T>(string setting, string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ArgumentException($"{setting}: cannot load \"{path}\": {ex.Message}");
        }
    }

    private static string? ReadConfigServer(string path) => ReadConfigValue(path, "server");

    private static string? ReadConfigValue(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var prefix = key + ":";
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
            {
                var value = trimmed[prefix.Length..].Trim().Trim('"');
                return value.Length > 0 ? value : null;
            }
        }
        return null;
    }
}
