namespace MiniKube.Api;

/// <summary>core/v1 ConfigMap.</summary>
public sealed record ConfigMap : KubeObject
{
    public ConfigMap()
    {
        ApiVersion = "v1";
        Kind = "ConfigMap";
    }

    public IReadOnlyDictionary<string, string>? Data { get; init; }
    /// <summary>Base64 in JSON, raw bytes here.</summary>
    public IReadOnlyDictionary<string, byte[]>? BinaryData { get; init; }
    public bool? Immutable { get; init; }
}

/// <summary>core/v1 Secret.</summary>
public sealed record Secret : KubeObject
{
    public Secret()
    {
        ApiVersion = "v1";
        Kind = "Secret";
    }

    /// <summary>Base64 in JSON, raw bytes here.</summary>
    public IReadOnlyDictionary<string, byte[]>? Data { get; init; }
    /// <summary>Write-only convenience: merged into <see cref="Data"/> by the API server.</summary>
    public IReadOnlyDictionary<string, string>? StringData { get; init; }
    public string? Type { get; init; }
    public bool? Immutable { get; init; }
}

public static class SecretType
{
    public const string Opaque = "Opaque";
    public const string ServiceAccountToken = "kubernetes.io/service-account-token";
    public const string DockerConfigJson = "kubernetes.io/dockerconfigjson";
    public const string Tls = "kubernetes.io/tls";
    public const string BasicAuth = "kubernetes.io/basic-auth";
}
