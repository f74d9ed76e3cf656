using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;

namespace MiniKube.Kubelet;

/// <summary>
/// Authentication and authorization of the kubelet's own API, as Kubernetes' kubelet does them: a client certificate
/// that chains to <c>--client-ca-file</c> (checked in the TLS handshake), else a bearer token checked by a TokenReview to
/// the API server (<c>--authentication-token-webhook</c>), else anonymous if <c>--anonymous-auth</c> allows it (else 401);
/// then with <c>--authorization-mode Webhook</c> a SubjectAccessReview to the API server on the node's
/// <c>nodes/proxy</c>, <c>nodes/log</c> or <c>nodes/stats</c> (403 when not allowed). Answers are cached briefly (tokens
/// 2 min, allowed decisions 5 min, denials 30 s, as the kubelet's webhook caches), so a busy exec or a log stream does not
/// ask the API server per request.
/// </summary>
internal sealed partial class KubeletAuth
{
    private static readonly TimeSpan TokenTtl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan AllowedTtl = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DeniedTtl = TimeSpan.FromSeconds(30);

    private readonly KubeletOptions _options;
    private readonly MiniKubeClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, (UserInfo? User, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset Expires)> _decisions = new(StringComparer.Ordinal);

    public KubeletAuth(KubeletOptions options, MiniKubeClient client, TimeProvider time, ILogger logger)
    {
        _options = options;
        _client = client;
        _time = time;
        _logger = logger;
        ClientCertificates = options.ClientCAFile is { } ca ? new ClientCertificateAuthenticator(PemFiles.ReadBundle(ca)) : null;
    }

    /// <summary>Checks client certificates during the handshake; null without <c>--client-ca-file</c>.</summary>
    public ClientCertificateAuthenticator? ClientCertificates { get; }

    /// <summary>False when nothing is checked (no authentication flags, AlwaysAllow): every request is served as before.</summary>
    public bool Enabled => !_options.AllowsAnonymous || ClientCertificates is not null || _options.AuthenticationTokenWebhook
        || _options.AuthorizationMode == KubeletAuthorizationModes.Webhook;

    /// <summary>Null when the request may go on; otherwise the status and text already decided (401 or 403).</summary>
    public async Task<(int Status, string Message)?> CheckAsync(HttpExchange exchange, string node, X509Certificate2? certificate)
    {
        var user = await AuthenticateAsync(exchange, certificate).ConfigureAwait(false);
        if (user is null)
        {
            return (401, "Unauthorized");
        }
        if (_options.AuthorizationMode != KubeletAuthorizationModes.Webhook)
        {
            return null;
        }
        var (verb, subresource) = Attributes(exchange);
        if (await AllowedAsync(user, verb, subresource, node, exchange.Aborted).ConfigureAwait(false))
        {
            return null;
        }
        return (403, $"Forbidden (user={user.Name}, verb={verb}, resource=nodes, subresource(s)=[{subresource}])");
    }

    /// <summary>Kubernetes' kubelet mapping: stats → nodes/stats, metrics → nodes/metrics, logs → nodes/log, everything else (exec, attach, containerLogs, pods, portForward, run) → nodes/proxy; the verb from the HTTP method.</summary>
    public static (string Verb, string Subresource) Attributes(HttpExchange exchange)
    {
        var verb = exchange.Method switch
        {
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "get",
        };
        var first = exchange.Segments.Count > 0 ? exchange.Segments[0] : "";
        var subresource = first switch
        {
            "stats" => "stats",
            "metrics" => "metrics",
            "logs" => "log",
            "spec" => "spec",
            _ => "proxy",
        };
        return (verb, subresource);
    }

    private async Task<UserInfo?> AuthenticateAsync(HttpExchange exchange, X509Certificate2? certificate)
    {
        if (certificate is not null && ClientCertificates is not null)
        {
            var result = await ClientCertificates.AuthenticateAsync(new AuthenticationRequest(null, certificate), exchange.Aborted).ConfigureAwait(false);
            if (result.User is { } certUser)
            {
                return certUser with { Groups = [.. certUser.Groups, UserInfo.AllAuthenticated] };
            }
            return null;
        }
        var header = exchange.Headers.GetValueOrDefault("Authorization");
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && _options.AuthenticationTokenWebhook)
        {
            return await ReviewTokenAsync(header["Bearer ".Length..].Trim(), exchange.Aborted).ConfigureAwait(false);
        }
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // A token nobody can check: refused rather than served as anonymous.
            return null;
        }
        return _options.AllowsAnonymous ? UserInfo.Anonymous : null;
    }

    private async Task<UserInfo?> ReviewTokenAsync(string token, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (_tokens.TryGetValue(token, out var cached) && cached.Expires > now)
        {
            return cached.User;
        }
        UserInfo? user = null;
        try
        {
            var review = await _client.ReviewAsync("tokenreviews", new TokenReview { Spec = new TokenReviewSpec { Token = token } }, ct).ConfigureAwait(false);
            if (review.Status is { Authenticated: true, User: { Username: { Length: > 0 } name } info })
            {
                user = new UserInfo(name, info.Groups ?? [], info.Uid ?? "");
            }
        }
        catch (ApiException ex)
        {
            // The API server could not answer (or refused us the review): the token is not known good, and not cached.
            LogReviewFailed(_logger, "TokenReview", ex.Message);
            return null;
        }
        _tokens[token] = (user, now + TokenTtl);
        return user;
    }

    private async Task<bool> AllowedAsync(UserInfo user, string verb, string subresource, string node, CancellationToken ct)
    {
        var key = string.Join('\u0000', user.Name, user.Uid, string.Join(',', user.Groups), verb, subresource, node);
        var now = _time.GetUtcNow();
        if (_decisions.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Allowed;
        }
        bool allowed;
        try
        {
            var review = await _client.ReviewAsync("subjectaccessreviews", new SubjectAccessReview
            {
                Spec = new SubjectAccessReviewSpec
                {
                    User = user.Name,
                    Groups = user.Groups,
                    Uid = user.Uid.Length == 0 ? null : user.Uid,
                    ResourceAttributes = new ResourceAttributes { Verb = verb, Resource = "nodes", Subresource = subresource, Name = node },
                },
            }, ct).ConfigureAwait(false);
            allowed = review.Status?.Allowed == true;
        }
        catch (ApiException ex)
        {
            LogReviewFailed(_logger, "SubjectAccessReview", ex.Message);
            return false;
        }
        _decisions[key] = (allowed, now + (allowed ? AllowedTtl : DeniedTtl));
        return allowed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubelet API: {Review} to the API server failed: {Reason}")]
    private static partial void LogReviewFailed(ILogger logger, string review, string reason);
}
