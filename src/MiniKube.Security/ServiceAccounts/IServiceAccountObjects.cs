namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// What the token authenticator must know of the live objects a token names, answered from memory (the API server's watch
/// cache), never by a store read per request.
/// </summary>
public interface IServiceAccountObjects
{
    /// <summary>The uid of the ServiceAccount, or null when it does not exist or is being deleted.</summary>
    string? ServiceAccountUid(string ns, string name);

    /// <summary>The uid of the pod, or null when it does not exist or its deletion time has passed.</summary>
    string? PodUid(string ns, string name, DateTimeOffset now);
}
