using System.Security.Cryptography;
using System.Text;

namespace MiniKube.Storage;

/// <summary>
/// One way of storing a value: the prefix that marks values it wrote and the transformation itself. The etcd key is the
/// authenticated data where the transformation has some (AES-GCM), as in Kubernetes, so a value copied to another key
/// does not decrypt.
/// </summary>
public interface IValueTransformer
{
    /// <summary>What values written by this transformer start with (empty for identity).</summary>
    ReadOnlyMemory<byte> Prefix { get; }

    /// <summary>The stored form of <paramref name="data"/>, prefix included.</summary>
    byte[] ToStorage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key);

    /// <summary>The original of <paramref name="stored"/> (prefix already removed); false when it does not decrypt.</summary>
    bool TryFromStorage(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, out byte[] data);
}

/// <summary>Plaintext. Reading refuses anything that looks encrypted, so an identity-first list goes on to the keys.</summary>
public sealed class IdentityTransformer : IValueTransformer
{
    private static readonly byte[] EncryptedMark = "k8s:enc:"u8.ToArray();

    public static IdentityTransformer Instance { get; } = new();

    public ReadOnlyMemory<byte> Prefix => ReadOnlyMemory<byte>.Empty;

    public byte[] ToStorage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key) => data.ToArray();

    public bool TryFromStorage(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, out byte[] data)
    {
        if (stored.StartsWith(EncryptedMark))
        {
            data = [];
            return false;
        }
        data = stored.ToArray();
        return true;
    }
}

/// <summary>
/// AES-GCM as Kubernetes' <c>aesgcm</c> provider lays it out: <c>k8s:enc:aesgcm:v1:&lt;key name&gt;:</c>, a random 12-byte
/// nonce, the ciphertext, the 16-byte tag; the etcd key is the additional authenticated data.
/// </summary>
public sealed class AesGcmTransformer : IValueTransformer
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _prefix;
    private readonly byte[] _secret;

    public AesGcmTransformer(string keyName, byte[] secret)
    {
        _prefix = Encoding.UTF8.GetBytes($"k8s:enc:aesgcm:v1:{keyName}:");
        _secret = secret;
    }

    public ReadOnlyMemory<byte> Prefix => _prefix;

    public byte[] ToStorage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        var result = new byte[_prefix.Length + NonceSize + data.Length + TagSize];
        var output = result.AsSpan();
        _prefix.CopyTo(output);
        var nonce = output.Slice(_prefix.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var cipherText = output.Slice(_prefix.Length + NonceSize, data.Length);
        var tag = output[^TagSize..];
        // An instance per call: AesGcm is not documented as safe for concurrent use, and its set-up is cheap next to a write.
        using var aes = new AesGcm(_secret, TagSize);
        aes.Encrypt(nonce, data, cipherText, tag, key);
        return result;
    }

    public bool TryFromStorage(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, out byte[] data)
    {
        data = [];
        if (stored.Length < NonceSize + TagSize)
        {
            return false;
        }
        var plain = new byte[stored.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_secret, TagSize);
            aes.Decrypt(stored[..NonceSize], stored[NonceSize..^TagSize], stored[^TagSize..], plain, key);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        data = plain;
        return true;
    }
}

/// <summary>
/// AES-CBC as Kubernetes' <c>aescbc</c> provider lays it out: <c>k8s:enc:aescbc:v1:&lt;key name&gt;:</c>, a random 16-byte IV,
/// then the PKCS#7-padded ciphertext (no authentication, so no use of the key).
/// </summary>
public sealed class AesCbcTransformer : IValueTransformer
{
    private const int BlockSize = 16;
    private readonly byte[] _prefix;
    private readonly byte[] _secret;

    public AesCbcTransformer(string keyName, byte[] secret)
    {
        _prefix = Encoding.UTF8.GetBytes($"k8s:enc:aescbc:v1:{keyName}:");
        _secret = secret;
    }

    public ReadOnlyMemory<byte> Prefix => _prefix;

    public byte[] ToStorage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        using var aes = Aes.Create();
        aes.Key = _secret;
        var cipherLength = aes.GetCiphertextLengthCbc(data.Length, PaddingMode.PKCS7);
        var result = new byte[_prefix.Length + BlockSize + cipherLength];
        var output = result.AsSpan();
        _prefix.CopyTo(output);
        var iv = output.Slice(_prefix.Length, BlockSize);
        RandomNumberGenerator.Fill(iv);
        aes.EncryptCbc(data, iv, output[(_prefix.Length + BlockSize)..], PaddingMode.PKCS7);
        return result;
    }

    public bool TryFromStorage(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, out byte[] data)
    {
        data = [];
        if (stored.Length < 2 * BlockSize || stored.Length % BlockSize != 0)
        {
            return false;
        }
        using var aes = Aes.Create();
        aes.Key = _secret;
        try
        {
            data = aes.DecryptCbc(stored[BlockSize..], stored[..BlockSize], PaddingMode.PKCS7);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// The transformers of one resource, in the configuration's order: the first writes; a read goes to the first whose prefix
/// the value has and that can read it (identity matches everything, so a failed identity read moves on, as in Kubernetes).
/// </summary>
public sealed class TransformerChain(IReadOnlyList<IValueTransformer> transformers)
{
    public IReadOnlyList<IValueTransformer> Transformers { get; } = transformers;

    public byte[] ToStorage(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key) => Transformers[0].ToStorage(data, key);

    /// <summary>The plaintext of a stored value; <see cref="StorageException"/> (Failed) when no transformer reads it.</summary>
    public byte[] FromStorage(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> key, string relativeKey)
    {
        var matched = false;
        foreach (var transformer in Transformers)
        {
            var prefix = transformer.Prefix.Span;
            if (!stored.StartsWith(prefix))
            {
                continue;
            }
            if (transformer.TryFromStorage(stored[prefix.Length..], key, out var data))
            {
                return data;
            }
            matched |= prefix.Length > 0;
        }
        var reason = matched
            ? "the key named by its prefix did not decrypt it (wrong secret, or the value was moved from another key)"
            : "no provider of the encryption configuration reads its prefix" + DescribePrefix(stored);
        throw new StorageException(StorageErrorCode.Failed, relativeKey, $"cannot decrypt the stored value of {relativeKey}: {reason}");
    }

    private static string DescribePrefix(ReadOnlySpan<byte> stored)
    {
        if (!stored.StartsWith("k8s:enc:"u8))
        {
            return " (plaintext, and identity is not listed)";
        }
        var text = Encoding.UTF8.GetString(stored[..Math.Min(stored.Length, 80)]);
        var parts = text.Split(':');
        return parts.Length >= 5 ? $" ({string.Join(':', parts[..5])}:)" : "";
    }
}
