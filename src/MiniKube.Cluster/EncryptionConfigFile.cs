using System.Security.Cryptography;

namespace MiniKube.Cluster;

/// <summary>
/// The cluster's EncryptionConfiguration for its API servers (<c>--encryption-provider-config</c>): Secrets encrypted with
/// one random AES-GCM key, made on the first <c>up</c> and kept until <c>down --purge</c> — a new key would leave every
/// stored Secret unreadable. identity comes second so Secrets written before the cluster had a key still read.
/// </summary>
public static class EncryptionConfigFile
{
    /// <summary>Writes the file (mode 0600) unless it exists; true when it was made now.</summary>
    public static bool Ensure(string path)
    {
        if (File.Exists(path))
        {
            return false;
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var text = $$"""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources:
                  - secrets
                providers:
                  - aesgcm:
                      keys:
                        - name: key1
                          secret: {{secret}}
                  - identity: {}

            """;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created with these permissions, never readable by others even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(text);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        return true;
    }
}
