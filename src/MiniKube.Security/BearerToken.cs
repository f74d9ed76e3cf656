namespace MiniKube.Security;

/// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header, read as Kubernetes reads it.</summary>
public static class BearerToken
{
    /// <summary>The token, or null when the header is absent, another scheme, or has an empty token.</summary>
    public static string? From(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return null;
        }
        var parts = authorization.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase) || parts[1].Length == 0)
        {
            return null;
        }
        return parts[1];
    }
}
