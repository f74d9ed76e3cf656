namespace MiniKube.Security;

/// <summary>
/// The authorizers of <c>--authorization-mode</c> in order: the first Allow or Deny decides; when every one has no
/// opinion the request is denied, with their reasons.
/// </summary>
public sealed class AuthorizerChain(IReadOnlyList<IAuthorizer> authorizers) : IAuthorizer
{
    public IReadOnlyList<IAuthorizer> Authorizers { get; } = authorizers;

    /// <summary>True when the chain allows everything without looking (AlwaysAllow first), so callers may skip building attributes.</summary>
    public bool AllowsAll => Authorizers is [AlwaysAllowAuthorizer, ..];

    public async ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken)
    {
        List<string>? reasons = null;
        foreach (var authorizer in Authorizers)
        {
            var (decision, reason) = await authorizer.AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
            if (decision != AuthorizationDecision.NoOpinion)
            {
                return (decision, reason);
            }
            if (reason.Length > 0)
            {
                (reasons ??= []).Add(reason);
            }
        }
        return (AuthorizationDecision.Deny, reasons is null ? "" : string.Join("; ", reasons));
    }
}

/// <summary><c>AlwaysAllow</c>: every request, the default until clusters authenticate their components.</summary>
public sealed class AlwaysAllowAuthorizer : IAuthorizer
{
    public ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken) =>
        ValueTask.FromResult((AuthorizationDecision.Allow, ""));
}

/// <summary><c>AlwaysDeny</c>: has no opinion on anything (so the chain denies), with Kubernetes' reason.</summary>
public sealed class AlwaysDenyAuthorizer : IAuthorizer
{
    public ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken) =>
        ValueTask.FromResult((AuthorizationDecision.NoOpinion, "Everything is forbidden."));
}
