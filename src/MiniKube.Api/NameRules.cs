using System.Net;
using System.Net.Sockets;

namespace MiniKube.Api;

/// <summary>
/// The syntax rules Kubernetes applies to names, label keys and values, port names and the like
/// (the facts of k8s.io/apimachinery/pkg/util/validation, worded our own way where we word things).
/// Each check returns the list of problems, empty when the input is fine. The checks are hand-written
/// loops rather than regexes because selectors and the API server run them on every request.
/// </summary>
public static class NameRules
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int PortNameMaxLength = 15;
    public const int ConfigMapKeyMaxLength = 253;

    public const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    public const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    public const string QualifiedNamePartMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    public const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    public const string EnvVarNameMessage =
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
    public const string ConfigMapKeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    private static readonly IReadOnlyList<string> None = [];

    public static string MaxLengthMessage(int max) => $"must be no more than {max} characters";

    /// <summary>RFC 1123 label: namespace names, service names, container names, port-less DNS names.</summary>
    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        List<string>? errs = null;
        if (value.Length > Dns1123LabelMaxLength)
        {
            (errs ??= []).Add(MaxLengthMessage(Dns1123LabelMaxLength));
        }
        if (!IsLabelSyntax(value))
        {
            (errs ??= []).Add(Dns1123LabelMessage);
        }
        return errs ?? None;
    }

    /// <summary>RFC 1123 subdomain: the name of most objects, label-key prefixes.</summary>
    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        List<string>? errs = null;
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            (errs ??= []).Add(MaxLengthMessage(Dns1123SubdomainMaxLength));
        }
        if (!IsSubdomainSyntax(value))
        {
            (errs ??= []).Add(Dns1123SubdomainMessage);
        }
        return errs ?? None;
    }

    /// <summary>
    /// A label key or annotation key: an optional DNS subdomain prefix and '/', then a name of at most
    /// 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
    /// </summary>
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && value.IndexOf('/', slash + 1) >= 0)
        {
            return ["a qualified name " + QualifiedNamePartMessage + " with an optional DNS subdomain prefix and '/'"];
        }
        List<string>? errs = null;
        var name = value;
        if (slash >= 0)
        {
            var prefix = value[..slash];
            name = value[(slash + 1)..];
            if (prefix.Length == 0)
            {
                (errs ??= []).Add("prefix part must be non-empty");
            }
            else
            {
                foreach (var msg in IsDns1123Subdomain(prefix))
                {
                    (errs ??= []).Add("prefix part " + msg);
                }
            }
        }
        if (name.Length == 0)
        {
            (errs ??= []).Add("name part must be non-empty");
        }
        else
        {
            if (name.Length > QualifiedNameMaxLength)
            {
                (errs ??= []).Add("name part " + MaxLengthMessage(QualifiedNameMaxLength));
            }
            if (!IsQualifiedNamePart(name))
            {
                (errs ??= []).Add("name part " + QualifiedNamePartMessage);
            }
        }
        return errs ?? None;
    }

    /// <summary>A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.</summary>
    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        List<string>? errs = null;
        if (value.Length > LabelValueMaxLength)
        {
            (errs ??= []).Add(MaxLengthMessage(LabelValueMaxLength));
        }
        if (value.Length > 0 && !IsQualifiedNamePart(value))
        {
            (errs ??= []).Add(LabelValueMessage);
        }
        return errs ?? None;
    }

    /// <summary>A named port (IANA_SVC_NAME, RFC 6335): lowercase, at most 15 characters, at least one letter.</summary>
    public static IReadOnlyList<string> IsValidPortName(string value)
    {
        List<string>? errs = null;
        if (value.Length > PortNameMaxLength)
        {
            (errs ??= []).Add(MaxLengthMessage(PortNameMaxLength));
        }
        var letters = 0;
        var badChar = false;
        foreach (var c in value)
        {
            if (c is >= 'a' and <= 'z')
            {
                letters++;
            }
            else if (c is not (>= '0' and <= '9') and not '-')
            {
                badChar = true;
            }
        }
        if (badChar)
        {
            (errs ??= []).Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (value.Contains("--", StringComparison.Ordinal))
        {
            (errs ??= []).Add("must not contain consecutive hyphens");
        }
        if (letters == 0)
        {
            (errs ??= []).Add("must contain at least one letter (a-z)");
        }
        if (value.StartsWith('-') || value.EndsWith('-'))
        {
            (errs ??= []).Add("must not begin or end with a hyphen");
        }
        return errs ?? None;
    }

    /// <summary>An environment variable name: <c>[-._a-zA-Z][-._a-zA-Z0-9]*</c>.</summary>
    public static IReadOnlyList<string> IsEnvVarName(string value)
    {
        var ok = value.Length > 0 && !char.IsAsciiDigit(value[0]);
        foreach (var c in value)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_';
        }
        return ok ? None : [EnvVarNameMessage];
    }

    /// <summary>A ConfigMap/Secret data key: <c>[-._a-zA-Z0-9]+</c>, at most 253, and never "." / ".." (they would escape a volume directory).</summary>
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        List<string>? errs = null;
        if (value.Length > ConfigMapKeyMaxLength)
        {
            (errs ??= []).Add(MaxLengthMessage(ConfigMapKeyMaxLength));
        }
        var ok = value.Length > 0;
        foreach (var c in value)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_';
        }
        if (!ok)
        {
            (errs ??= []).Add(ConfigMapKeyMessage);
        }
        if (value == ".")
        {
            (errs ??= []).Add("must not be '.'");
        }
        else if (value == "..")
        {
            (errs ??= []).Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            (errs ??= []).Add("must not start with '..'");
        }
        return errs ?? None;
    }

    /// <summary>A dotted-quad IPv4 address (no leading zeros, which some parsers read as octal).</summary>
    public static bool IsIPv4(string value)
    {
        var parts = 0;
        var start = 0;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length && value[i] != '.')
            {
                if (!char.IsAsciiDigit(value[i]) || i - start >= 3)
                {
                    return false;
                }
                continue;
            }
            var len = i - start;
            if (len == 0 || (len > 1 && value[start] == '0') || int.Parse(value.AsSpan(start, len)) > 255)
            {
                return false;
            }
            parts++;
            start = i + 1;
        }
        return parts == 4;
    }

    /// <summary>An IPv4 or IPv6 address in canonical-enough textual form.</summary>
    public static bool IsIP(string value) =>
        IsIPv4(value)
        || (value.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(value, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            && !value.Contains('%', StringComparison.Ordinal));

    internal static bool IsAlnum(char c) => char.IsAsciiLetterOrDigit(c);

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    /// <summary><c>[a-z0-9]([-a-z0-9]*[a-z0-9])?</c></summary>
    private static bool IsLabelSyntax(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !IsLowerAlnum(s[0]) || !IsLowerAlnum(s[^1]))
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!IsLowerAlnum(c) && c != '-')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Dot-separated RFC 1123 labels.</summary>
    private static bool IsSubdomainSyntax(ReadOnlySpan<char> s)
    {
        if (s.Length == 0)
        {
            return false;
        }
        foreach (var range in s.Split('.'))
        {
            if (!IsLabelSyntax(s[range]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><c>([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]</c></summary>
    internal static bool IsQualifiedNamePart(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || !IsAlnum(s[0]) || !IsAlnum(s[^1]))
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!IsAlnum(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
