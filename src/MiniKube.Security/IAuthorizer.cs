namespace MiniKube.Security;

public enum AuthorizationDecision
{
    /// <summary>This authorizer has no rule for the request; the next one in the chain decides.</summary>
    NoOpinion,
    Allow,
    Deny,
}

/// <summary>One link of the authorizer chain (Node, RBAC, …); the first Allow or Deny wins, as in Kubernetes.</summary>
public interface IAuthorizer
{
    /// <summary>The decision, and for a denial or no opinion a reason that may be shown to the caller.</summary>
    ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken);
}
