using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>The authenticator chain the options configure, in Kubernetes' order (client certificates, then tokens).</summary>
internal static class Authenticators
{
    public static UnionAuthenticator From(ApiServerOptions options)
    {
        var chain = new List<IAuthenticator>();
        if (options.TokenAuthFile is { } tokenFile)
        {
            chain.Add(TokenFileAuthenticator.Load(tokenFile));
        }
        return new UnionAuthenticator(chain);
    }
}
