using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Security;

/// <summary>Certificates and keys as PEM files, the form Kubernetes' flags and kubeconfig files take; key files are 0600.</summary>
public static class PemFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes the certificate, and its private key (PKCS#8) readable by the owner only.</summary>
    public static void Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        WriteKey(keyPath, PrivateKeyPem(certificate));
    }

    /// <summary>The private key of <paramref name="certificate"/> in PKCS#8 PEM.</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("the certificate has no ECDSA or RSA private key", nameof(certificate));
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>A certificate with its key from two PEM files (the key: PKCS#8, SEC1 EC or PKCS#1 RSA).</summary>
    public static X509Certificate2 ReadCertificateWithKey(string certificatePath, string keyPath)
    {
        using var loaded = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Linux's TLS stack takes the key as loaded; a PKCS#12 round trip makes it usable everywhere SslStream runs.
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Every certificate of a PEM bundle (a CA file may hold several roots).</summary>
    public static X509Certificate2Collection ReadBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        if (bundle.Count == 0)
        {
            throw new CryptographicException($"no PEM certificate in \"{path}\"");
        }
        return bundle;
    }

    /// <summary>Every certificate of PEM text (kubeconfig's <c>certificate-authority-data</c> after base64).</summary>
    public static X509Certificate2Collection ParseBundle(string pem)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPem(pem);
        if (bundle.Count == 0)
        {
            throw new CryptographicException("no PEM certificate found");
        }
        return bundle;
    }

    /// <summary>Writes PEM key text readable by the owner only (0600 from creation).</summary>
    public static void WriteKey(string path, string pem)
    {
        // Created 0600 from the start (a chmod afterwards would leave a moment where others could read it) and re-chmodded
        // in case the file existed with a wider mode.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
