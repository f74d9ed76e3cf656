using System.Text.Json;
using MiniKube.Api;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer;

/// <summary>
/// The <c>serviceaccounts/{name}/token</c> subresource (authentication.k8s.io/v1 TokenRequest), shared by REST and gRPC: checks
/// the request as Kubernetes does (lifetime at least 10 minutes, default 1 hour; a bound object must be a Pod of the account's
/// namespace, with the uid given if one is), and answers with a token signed by this server, never stored.
/// </summary>
internal sealed class TokenRequests(ObjectApi api, ServiceAccountSigning signing)
{
    /// <summary>Kubernetes' upper bound on a requested lifetime.</summary>
    private const long MaxExpirationSeconds = 1L << 32;

    public async Task<byte[]> CreateAsync(string? requestNamespace, string name, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var ns = string.IsNullOrEmpty(requestNamespace) ? "default" : requestNamespace;
        TokenRequest request;
        try
        {
            request = body.IsEmpty ? new TokenRequest() : KubeSerializer.FromJson<TokenRequest>(body.Span);
        }
        catch (Exception ex) when (ex is JsonException or ApiException or NotSupportedException)
        {
            throw ApiException.BadRequest("the body must be an authentication.k8s.io/v1 TokenRequest: " + ex.Message);
        }
        if (request.Kind is { Length: > 0 } kind && kind != "TokenRequest")
        {
            throw ApiException.BadRequest($"kind: Unsupported value: \"{kind}\": the token subresource takes a TokenRequest");
        }
        var expirationSeconds = request.Spec.ExpirationSeconds ?? TokenRequest.DefaultExpirationSeconds;
        var errors = new List<FieldError>();
        if (expirationSeconds < TokenRequest.MinExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration less than 10 minutes"));
        }
        else if (expirationSeconds > MaxExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", expirationSeconds, "may not specify a duration larger than 2^32 seconds"));
        }
        var bound = request.Spec.BoundObjectRef;
        if (bound is not null)
        {
            if (bound.Kind != "Pod")
            {
                errors.Add(FieldError.NotSupported("spec.boundObjectRef.kind", bound.Kind ?? "", ["Pod"]));
            }
            if (string.IsNullOrEmpty(bound.Name))
            {
                errors.Add(FieldError.Required("spec.boundObjectRef.name", ""));
            }
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("TokenRequest", name, errors);
        }
        var serviceAccount = (ServiceAccount)(await api.GetAsync(ResourceRegistry.For<ServiceAccount>(), ns, name, ct).ConfigureAwait(false)).Object;
        Pod? pod = null;
        if (bound is not null)
        {
            pod = (Pod)(await api.GetAsync(ResourceRegistry.For<Pod>(), ns, bound.Name!, ct).ConfigureAwait(false)).Object;
            if (!string.IsNullOrEmpty(bound.Uid) && bound.Uid != pod.Metadata.Uid)
            {
                throw ApiException.Conflict(ResourceRegistry.For<Pod>(), bound.Name!,
                    $"the UID in the bound object reference ({bound.Uid}) does not match the UID in record. The object might have been deleted and then recreated");
            }
            var podAccount = pod.Spec?.ServiceAccountName is { Length: > 0 } account ? account : ServiceAccount.DefaultName;
            if (podAccount != name)
            {
                throw ApiException.BadRequest($"cannot bind token to pod \"{pod.Metadata.Name}\": it runs as service account \"{podAccount}\", not \"{name}\"");
            }
        }
        var now = Timestamps.TruncateToSeconds(signing.Clock.GetUtcNow());
        var audiences = request.Spec.Audiences is { Count: > 0 } asked ? asked : signing.Tokens.Audiences;
        var expires = now.AddSeconds(expirationSeconds);
        var token = signing.Tokens.Issue(new ServiceAccountClaims
        {
            Issuer = signing.Tokens.Issuer,
            Audiences = audiences,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Namespace = ns,
            ServiceAccountName = name,
            ServiceAccountUid = serviceAccount.Metadata.Uid ?? "",
            PodName = pod?.Metadata.Name,
            PodUid = pod?.Metadata.Uid,
            TokenId = Guid.NewGuid().ToString(),
        });
        return KubeSerializer.ToJsonBytes(new TokenRequest
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns },
            Spec = request.Spec with
            {
                Audiences = audiences,
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = bound is null ? null : bound with { ApiVersion = bound.ApiVersion ?? "v1", Uid = pod!.Metadata.Uid },
            },
            Status = new TokenRequestStatus { Token = token, ExpirationTimestamp = expires },
        });
    }
}
