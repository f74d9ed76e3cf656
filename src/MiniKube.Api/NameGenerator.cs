using System.Security.Cryptography;

namespace MiniKube.Api;

/// <summary>
/// <c>metadata.generateName</c>'s rule, as Kubernetes' SimpleNameGenerator: the prefix followed by five random characters
/// from an alphabet without vowels (no words) and without characters that look alike. The API server uses it for a create
/// with only a generateName; a controller uses it to name an object itself, so that a create whose reply was lost can be
/// repeated under the same name and can never make two objects.
/// </summary>
public static class NameGenerator
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int SuffixLength = 5;

    /// <summary>Kubernetes' maxGeneratedNameLength: a longer prefix is cut so the name stays a DNS label.</summary>
    private const int MaxPrefixLength = NameRules.Dns1123LabelMaxLength - SuffixLength;

    public static string Generate(string prefix)
    {
        if (prefix.Length > MaxPrefixLength)
        {
            prefix = prefix[..MaxPrefixLength];
        }
        Span<char> suffix = stackalloc char[SuffixLength];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return prefix + new string(suffix);
    }
}
