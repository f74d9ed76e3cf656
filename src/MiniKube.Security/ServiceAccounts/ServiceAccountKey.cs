using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// One key of the service account token keys: an RSA key (RS256) or an ECDSA P-256 key (ES256), with the key id Kubernetes
/// derives from it (base64url of the SHA-256 of the public key's DER). Holds a private key only when it can sign.
/// </summary>
public sealed class ServiceAccountKey
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    private ServiceAccountKey(RSA? rsa, ECDsa? ecdsa, bool canSign)
    {
        _rsa = rsa;
        _ecdsa = ecdsa;
        CanSign = canSign;
        var publicDer = rsa?.ExportSubjectPublicKeyInfo() ?? ecdsa!.ExportSubjectPublicKeyInfo();
        KeyId = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(publicDer));
        PublicKeyPem = rsa?.ExportSubjectPublicKeyInfoPem() ?? ecdsa!.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary><c>RS256</c> or <c>ES256</c>.</summary>
    public string Algorithm => _rsa is not null ? "RS256" : "ES256";

    public string KeyId { get; }

    public bool CanSign { get; }

    public string PublicKeyPem { get; }

    /// <summary>A new in-memory ECDSA P-256 key (for a bare API server given no key file).</summary>
    public static ServiceAccountKey Generate() => new(null, ECDsa.Create(ECCurve.NamedCurves.nistP256), canSign: true);

    /// <summary>The private key of a PEM (PKCS#8, SEC1 EC or PKCS#1 RSA); it verifies too.</summary>
    public static ServiceAccountKey FromPrivatePem(string pem)
    {
        var label = PemLabel(pem);
        if (label.Contains("RSA", StringComparison.Ordinal))
        {
            return FromRsa(pem, canSign: true);
        }
        if (label.Contains("EC", StringComparison.Ordinal))
        {
            return FromEc(pem, canSign: true);
        }
        if (label != "PRIVATE KEY")
        {
            throw new CryptographicException($"the PEM holds a {label}, not a private key");
        }
        // PKCS#8 says its algorithm inside: try RSA, then EC.
        try
        {
            return FromRsa(pem, canSign: true);
        }
        catch (CryptographicException)
        {
            return FromEc(pem, canSign: true);
        }
    }

    /// <summary>
    /// Every verifying key of a PEM file's text, as <c>--service-account-key-file</c> takes it: public keys
    /// (<c>PUBLIC KEY</c>, <c>RSA PUBLIC KEY</c>), private keys (their public halves), and certificates (their keys).
    /// </summary>
    public static IReadOnlyList<ServiceAccountKey> FromVerifyingPem(string pem)
    {
        var keys = new List<ServiceAccountKey>();
        foreach (var block in PemBlocks(pem))
        {
            var label = PemLabel(block);
            if (label == "CERTIFICATE")
            {
                using var certificate = X509Certificate2.CreateFromPem(block);
                keys.Add(certificate.GetRSAPublicKey() is { } rsa ? new ServiceAccountKey(rsa, null, false)
                    : certificate.GetECDsaPublicKey() is { } ec ? new ServiceAccountKey(null, ec, false)
                    : throw new CryptographicException("a certificate's key is neither RSA nor ECDSA"));
            }
            else if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                keys.Add(FromPrivatePem(block));
            }
            else if (label == "RSA PUBLIC KEY")
            {
                keys.Add(FromRsa(block, canSign: false));
            }
            else if (label == "PUBLIC KEY")
            {
                try
                {
                    keys.Add(FromRsa(block, canSign: false));
                }
                catch (CryptographicException)
                {
                    keys.Add(FromEc(block, canSign: false));
                }
            }
            else
            {
                throw new CryptographicException($"unexpected PEM block \"{label}\" (want PUBLIC KEY, a private key or CERTIFICATE)");
            }
        }
        return keys.Count > 0 ? keys : throw new CryptographicException("no PEM key found");
    }

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (!CanSign)
        {
            throw new InvalidOperationException("this key has no private part");
        }
        return _rsa is not null
            ? _rsa.SignData(data.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            // JWS ES256 is the raw r||s form (IEEE P1363), not DER.
            : _ecdsa!.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public bool Verify(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => algorithm == Algorithm && (_rsa is not null
        ? _rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
        : _ecdsa!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    /// <summary>The private key as PKCS#8 PEM (for <c>cluster up</c>'s sa.key).</summary>
    public string ExportPrivatePem() => CanSign
        ? (_rsa is not null ? _rsa.ExportPkcs8PrivateKeyPem() : _ecdsa!.ExportPkcs8PrivateKeyPem()) + "\n"
        : throw new InvalidOperationException("this key has no private part");

    private static ServiceAccountKey FromRsa(string pem, bool canSign)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new ServiceAccountKey(rsa, null, canSign);
    }

    private static ServiceAccountKey FromEc(string pem, bool canSign)
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(pem);
        if (ec.KeySize != 256)
        {
            throw new CryptographicException($"an ECDSA key must be P-256 for ES256 (this one has {ec.KeySize} bits)");
        }
        return new ServiceAccountKey(null, ec, canSign);
    }

    private static string PemLabel(string pem) =>
        PemEncoding.TryFind(pem, out var fields) ? pem[fields.Label] : throw new CryptographicException("no PEM block found");

    private static IEnumerable<string> PemBlocks(string pem)
    {
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            yield return rest[fields.Location];
            rest = rest[fields.Location.End..];
        }
    }
}
