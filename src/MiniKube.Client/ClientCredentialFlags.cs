using System.CommandLine;

namespace MiniKube.Client;

/// <summary>
/// kubectl's credential flags, bound the same way for minictl and every component that talks to the API server:
/// <c>--token</c>, <c>--certificate-authority</c>, <c>--client-certificate</c>, <c>--client-key</c>; each falls back to the
/// line of the same name in the client config file (see <see cref="ClientConfig.ResolveCredentials"/>).
/// </summary>
public sealed class ClientCredentialFlags
{
    /// <param name="recursive">Whether subcommands take the flags too (minictl's global flags).</param>
    public ClientCredentialFlags(bool recursive = false)
    {
        Token = new Option<string?>("--token") { Description = "Bearer token for authentication to the API server", Recursive = recursive };
        CertificateAuthority = new Option<string?>("--certificate-authority")
        {
            Description = "Path to a cert file for the certificate authority (an https API server's certificate must chain to it)",
            Recursive = recursive,
        };
        ClientCertificate = new Option<string?>("--client-certificate") { Description = "Path to a client certificate file for TLS", Recursive = recursive };
        ClientKey = new Option<string?>("--client-key") { Description = "Path to a client key file for TLS", Recursive = recursive };
    }

    public Option<string?> Token { get; }

    public Option<string?> CertificateAuthority { get; }

    public Option<string?> ClientCertificate { get; }

    public Option<string?> ClientKey { get; }

    public IReadOnlyList<Option> All => [Token, CertificateAuthority, ClientCertificate, ClientKey];

    /// <summary>The flags as given, to resolve later (minictl loads files only when it first connects).</summary>
    public ClientConfig.CredentialFlags Values(ParseResult parse) =>
        new(parse.GetValue(Token), parse.GetValue(CertificateAuthority), parse.GetValue(ClientCertificate), parse.GetValue(ClientKey));

    /// <summary>The credentials, files loaded; a file that cannot be used adds one line to <paramref name="problems"/>.</summary>
    public ClientCredentials Bind(ParseResult parse, ICollection<string> problems, Func<string, string?>? environment = null)
    {
        try
        {
            return ClientConfig.ResolveCredentials(Values(parse), environment ?? Environment.GetEnvironmentVariable);
        }
        catch (ArgumentException ex)
        {
            problems.Add(ex.Message);
            return ClientCredentials.None;
        }
    }
}
