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

    public static string KeyFile(ClusterHome home) => KeyFile(PkiDirectory(home));

    public static string PublicKeyFile(ClusterHome home) => PublicKeyFile(PkiDirectory(home));

    /// <summary>The key in a PKI directory of its own (<c>cluster certs --cert-dir</c>).</summary>
    public static string KeyFile(string pkiDirectory) => Path.Combine(pkiDirectory, "sa.key");

    public static string PublicKeyFile(string pkiDirectory) => Path.Combine(pkiDirectory, "sa.pub");

    /// <summary>The API server flags that use the pair.</summary>
    public static IReadOnlyList<string> ApiServerFlags(ClusterHome home) =>
        ["--service-account-signing-key-file", KeyFile(home), "--service-account-key-file", PublicKeyFile(home)];

    /// <summary>Makes the pair unless the key exists (the public key is rewritten from it when missing); true when made now.</summary>
    public static bool Ensure(ClusterHome home) => Ensure(PkiDirectory(home));

    /// <summary>As <see cref="Ensure(ClusterHome)"/>, in <paramref name="pkiDirectory"/>.</summary>
    public static bool Ensure(string pkiDirectory)
    {
        Directory.CreateDirectory(pkiDirectory);
        var keyFile = KeyFile(pkiDirectory);
        if (File.Exists(keyFile))
        {
            if (!File.Exists(PublicKeyFile(pkiDirectory)))
            {
                using var existing = ECDsa.Create();
                existing.ImportFromPem(File.ReadAllText(keyFile));
                File.WriteAllText(PublicKeyFile(pkiDirectory), existing.ExportSubjectPublicKeyInfoPem() + "\n");
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
            return Ensure(pkiDirectory);
        }
        File.WriteAllText(PublicKeyFile(pkiDirectory), key.ExportSubjectPublicKeyInfoPem() + "\n");
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
