using MiniKube.Api;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// The authorizer chain of <c>--authorization-mode</c>, shared by both wires: REST requests through
/// <see cref="RestAuthorization"/>, gRPC calls through <see cref="GrpcAuthorization"/>, and SelfSubjectAccessReviews.
/// </summary>
public sealed class ApiAuthorization
{
    public ApiAuthorization(ApiServerOptions options, RbacAuthorizer rbac, NodeAuthorizer node)
    {
        AuthorizationModes.Parse(options.AuthorizationMode, out var modes);
        Modes = modes;
        Chain = new AuthorizerChain([.. modes.Select<string, IAuthorizer>(mode => mode switch
        {
            AuthorizationModes.AlwaysDeny => new AlwaysDenyAuthorizer(),
            AuthorizationModes.Rbac => rbac,
            AuthorizationModes.Node => node,
            _ => new AlwaysAllowAuthorizer(),
        })]);
    }

    public IReadOnlyList<string> Modes { get; }

    public AuthorizerChain Chain { get; }

    /// <summary>False for AlwaysAllow alone: then no request is checked at all (nothing to pay on the hot path).</summary>
    public bool Enabled => !Chain.AllowsAll;

    public bool UsesRbac => Modes.Contains(AuthorizationModes.Rbac);

    /// <summary>With the Node authorizer on, the pod graph is fed and NodeRestriction admission runs.</summary>
    public bool UsesNode => Modes.Contains(AuthorizationModes.Node);

    /// <summary>The caller as authentication left it, or the anonymous user when authentication is off.</summary>
    public static UserInfo UserOf(HttpContext http) => RequestUser.Get(http) ?? UserInfo.Anonymous;

    /// <summary>Returns when the chain allows the request; throws Kubernetes' Forbidden (403) otherwise.</summary>
    public async ValueTask EnsureAllowedAsync(RequestAttributes request, CancellationToken cancellationToken)
    {
        var (decision, reason) = await Chain.AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        if (decision != AuthorizationDecision.Allow)
        {
            throw Forbidden(request, reason);
        }
    }

    public static ApiException Forbidden(RequestAttributes request, string reason) => new(new Status
    {
        Outcome = "Failure",
        Code = 403,
        Reason = StatusReasons.Forbidden,
        Message = ForbiddenMessage.For(request, reason),
        Details = new StatusDetails
        {
            Name = request.Name.Length > 0 ? request.Name : null,
            Group = request.ApiGroup.Length > 0 ? request.ApiGroup : null,
            Kind = request.Resource.Length > 0 ? request.Resource : null,
        },
    });
}
