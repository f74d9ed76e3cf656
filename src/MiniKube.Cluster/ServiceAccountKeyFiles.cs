using System.Security.Cryptography;

namespace MiniKube.Cluster;

/// <summary>
/// The key pair every API server of the cluster signs and checks service account tokens with: <c>pki/sa.key</c> (ECDSA P-256,
/// PKCS#8, mode 0600) and <c>pki/sa.pub</c>, made on the first <c>up</c> and reused, so tokens survive restarts and any API
/// server accepts another's; <c>down --purge</c> removes them.
/// </summary>
public static class ServiceAccountKeyFiles
{
    public static string PkiDirectory(ClusterHome home) => Path.Combine(home.Directory, "pki");

    public static string KeyFile(ClusterHome home) => Path.Combine(PkiDirectory(home), "sa.key");

    public static string PublicKeyFile(ClusterHome home) => Path.Combine(PkiDirectory(home), "sa.pub");

    /// <summary>The API server flags that use the pair.</summary>
    public static IReadOnlyList<string> ApiServerFlags(ClusterHome home) =>
        ["--service-account-signing-key-file", KeyFile(home), "--service-account-key-file", PublicKeyFile(home)];

    /// <summary>Makes the pair unless the key exists (the public key is rewritten from it when missing); true when made now.</summary>
    public static bool Ensure(ClusterHome home)
    {
        Directory.CreateDirectory(PkiDirectory(home));
        var keyFile = KeyFile(home);
        if (File.Exists(keyFile))
        {
            if (!File.Exists(PublicKeyFile(home)))
            {
                using var existing = ECDsa.Create();
                existing.ImportFromPem(File.ReadAllText(keyFile));
                File.WriteAllText(PublicKeyFile(home), existing.ExportSubjectPublicKeyInfoPem() + "\n");
            }
            return false;
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created owner-only, never readable by others even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(keyFile, options);
            writer.Write(key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        catch (IOException) when (File.Exists(keyFile))
        {
            // Another up made it first: use that one.
            return Ensure(home);
        }
        File.WriteAllText(PublicKeyFile(home), key.ExportSubjectPublicKeyInfoPem() + "\n");
        return true;
    }

    /// <summary>Removes the pair (and the pki directory when nothing else is left in it).</summary>
    public static void Remove(ClusterHome home)
    {
        File.Delete(KeyFile(home));
        File.Delete(PublicKeyFile(home));
        var pki = PkiDirectory(home);
        if (Directory.Exists(pki) && !Directory.EnumerateFileSystemEntries(pki).Any())
        {
            Directory.Delete(pki);
        }
    }
}
