using System.Security.Cryptography;
using MiniKube.Security;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer;

/// <summary>
/// The service account token keys from the flags: the signing key (<c>--service-account-signing-key-file</c>) and the keys
/// accepted for verification (<c>--service-account-key-file</c>, plus the signing key). Kubernetes requires a signing key;
/// without one this server generates an ECDSA key in memory (<see cref="Generated"/>), so its tokens stop verifying when it
/// restarts and another API server never accepts them.
/// </summary>
internal sealed partial class ServiceAccountSigning
{
    private ServiceAccountSigning(ServiceAccountTokens tokens, bool generated, TimeProvider clock)
    {
        Tokens = tokens;
        Clock = clock;
        Generated = generated;
    }

    public ServiceAccountTokens Tokens { get; }

    public bool Generated { get; }

    /// <summary>What "now" is for issuing and checking tokens.</summary>
    public TimeProvider Clock { get; }

    /// <exception cref="AuthenticationConfigException">A key file cannot be used (the message names the flag and file).</exception>
    public static ServiceAccountSigning From(ApiServerOptions options, TimeProvider clock)
    {
        var generated = options.ServiceAccountSigningKeyFile is null;
        var signing = options.ServiceAccountSigningKeyFile is { } signingFile
            ? Load("--service-account-signing-key-file", signingFile, () => ServiceAccountKey.FromPrivatePem(File.ReadAllText(signingFile)))
            : ServiceAccountKey.Generate();
        var verifying = new List<ServiceAccountKey>();
        foreach (var file in options.ServiceAccountKeyFiles)
        {
            verifying.AddRange(Load("--service-account-key-file", file, () => ServiceAccountKey.FromVerifyingPem(File.ReadAllText(file))));
        }
        return new ServiceAccountSigning(new ServiceAccountTokens(options.ServiceAccountIssuer, options.EffectiveApiAudiences, signing, verifying), generated, clock);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No --service-account-signing-key-file: service account tokens are signed with a key generated in memory; they stop working when this server restarts and no other API server accepts them")]
    public static partial void LogGeneratedKey(ILogger logger);

    private static T Load<T>(string flag, string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new AuthenticationConfigException($"{flag}: cannot load \"{path}\": {ex.Message}");
        }
    }
}
