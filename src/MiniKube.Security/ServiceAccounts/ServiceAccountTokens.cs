using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// Service account tokens as JWTs (JWS compact form, <c>header.payload.signature</c> in base64url) signed RS256 or ES256 with
/// .NET's own cryptography. <see cref="Issue"/> signs with the signing key; <see cref="Read"/> checks the signature against
/// every verifying key, then the issuer, audience and times. No JWT library: the format is three base64url parts.
/// </summary>
public sealed class ServiceAccountTokens
{
    private readonly ServiceAccountKey? _signingKey;
    private readonly IReadOnlyList<ServiceAccountKey> _verifyingKeys;

    /// <param name="signingKey">Signs issued tokens; null for a verifier only.</param>
    /// <param name="verifyingKeys">Keys a token may be signed with (the signing key is added when given).</param>
    public ServiceAccountTokens(string issuer, IReadOnlyList<string> audiences, ServiceAccountKey? signingKey, IReadOnlyList<ServiceAccountKey> verifyingKeys)
    {
        Issuer = issuer;
        Audiences = audiences;
        _signingKey = signingKey is { CanSign: true } ? signingKey : signingKey is null ? null
            : throw new ArgumentException("the signing key has no private part", nameof(signingKey));
        _verifyingKeys = signingKey is null || verifyingKeys.Any(k => k.KeyId == signingKey.KeyId) ? verifyingKeys : [signingKey, .. verifyingKeys];
    }

    public string Issuer { get; }

    /// <summary>The audiences this server accepts (<c>--api-audiences</c>; the issuer by default).</summary>
    public IReadOnlyList<string> Audiences { get; }

    public bool CanIssue => _signingKey is not null;

    /// <summary>A signed token for these claims.</summary>
    public string Issue(ServiceAccountClaims claims)
    {
        var key = _signingKey ?? throw new InvalidOperationException("no service account signing key (--service-account-signing-key-file)");
        var header = Encode(w =>
        {
            w.WriteString("alg", key.Algorithm);
            w.WriteString("kid", key.KeyId);
            w.WriteString("typ", "JWT");
        });
        var payload = Encode(w =>
        {
            w.WriteStartArray("aud");
            foreach (var audience in claims.Audiences)
            {
                w.WriteStringValue(audience);
            }
            w.WriteEndArray();
            w.WriteNumber("exp", claims.Expires.ToUnixTimeSeconds());
            w.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            w.WriteString("iss", claims.Issuer);
            if (claims.TokenId is { } jti)
            {
                w.WriteString("jti", jti);
            }
            w.WriteStartObject("kubernetes.io");
            w.WriteString("namespace", claims.Namespace);
            if (claims.PodName is { } podName)
            {
                w.WriteStartObject("pod");
                w.WriteString("name", podName);
                w.WriteString("uid", claims.PodUid ?? "");
                w.WriteEndObject();
            }
            w.WriteStartObject("serviceaccount");
            w.WriteString("name", claims.ServiceAccountName);
            w.WriteString("uid", claims.ServiceAccountUid);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("nbf", claims.NotBefore.ToUnixTimeSeconds());
            w.WriteString("sub", claims.Subject);
        });
        var signingInput = header + "." + payload;
        return signingInput + "." + Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>
    /// The claims of a token this server issued and that is valid at <paramref name="now"/>; otherwise null and why. A token
    /// that is not a JWT from this issuer at all comes back with <paramref name="notOurs"/> set, so other authenticators may try it.
    /// </summary>
    public ServiceAccountClaims? Read(string token, DateTimeOffset now, out string? error, out bool notOurs)
    {
        notOurs = true;
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = "not a JWT";
            return null;
        }
        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = Decode(parts[0]);
            payload = Decode(parts[1]);
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            error = "not a JWT: " + ex.Message;
            return null;
        }
        if (payload.ValueKind != JsonValueKind.Object || String(payload, "iss") != Issuer)
        {
            error = "issuer is not " + Issuer;
            return null;
        }
        notOurs = false;
        var algorithm = String(header, "alg") ?? "";
        var kid = String(header, "kid");
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var keys = kid is null ? _verifyingKeys : _verifyingKeys.Where(k => k.KeyId == kid);
        if (!keys.Any(k => k.Verify(algorithm, signed, signature)))
        {
            error = "invalid signature";
            return null;
        }
        var audiences = payload.TryGetProperty("aud", out var aud)
            ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString() ?? "").ToList() : [aud.GetString() ?? ""]
            : [];
        if (!audiences.Any(Audiences.Contains))
        {
            error = "token audiences " + JsonSerializer.Serialize(audiences) + " do not match any of the server's " + JsonSerializer.Serialize(Audiences);
            return null;
        }
        if (Time(payload, "exp") is not { } expires)
        {
            error = "the token has no expiry";
            return null;
        }
        if (now >= expires)
        {
            error = "token has expired";
            return null;
        }
        var notBefore = Time(payload, "nbf");
        if (notBefore is { } nbf && now < nbf)
        {
            error = "token is not valid yet";
            return null;
        }
        if (!payload.TryGetProperty("kubernetes.io", out var k8s) || k8s.ValueKind != JsonValueKind.Object
            || !k8s.TryGetProperty("serviceaccount", out var sa) || String(k8s, "namespace") is not { Length: > 0 } ns
            || String(sa, "name") is not { Length: > 0 } saName || String(sa, "uid") is not { } saUid
            || String(payload, "sub") != ServiceAccountClaims.SubjectPrefix + ns + ":" + saName)
        {
            error = "the token's kubernetes.io claims do not name a service account matching its subject";
            return null;
        }
        var pod = k8s.TryGetProperty("pod", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        error = null;
        return new ServiceAccountClaims
        {
            Issuer = Issuer,
            Audiences = audiences,
            IssuedAt = Time(payload, "iat") ?? expires,
            NotBefore = notBefore ?? DateTimeOffset.MinValue,
            Expires = expires,
            Namespace = ns,
            ServiceAccountName = saName,
            ServiceAccountUid = saUid,
            PodName = pod is { } podName ? String(podName, "name") : null,
            PodUid = pod is { } podUid ? String(podUid, "uid") : null,
            TokenId = String(payload, "jti"),
        };
    }

    private static string Encode(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    private static JsonElement Decode(string part)
    {
        using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(part));
        return document.RootElement.Clone();
    }

    private static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
