using MiniKube.Security;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer.Tests;

/// <summary>The service account flags: parsed as Kubernetes spells them, checked with the flag named, keys loaded or refused.</summary>
public sealed class ServiceAccountFlagsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-sa-flags-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (ApiServerOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = ApiServerCommandLine.CreateRootCommand().Parse(args);
        Assert.Empty(parse.Errors);
        return ApiServerCommandLine.ToOptions(parse);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_flags_reach_the_options_with_kubernetes_defaults()
    {
        var key = ServiceAccountKey.Generate();
        var signing = Write("sa.key", key.ExportPrivatePem());
        var a = Write("a.pub", key.PublicKeyPem);
        var b = Write("b.pub", ServiceAccountKey.Generate().PublicKeyPem);

        var (defaults, none) = Parse();
        var (options, problems) = Parse("--service-account-issuer", "https://issuer.example", "--service-account-signing-key-file", signing,
            "--service-account-key-file", a + "," + b, "--service-account-key-file", a, "--api-audiences", "api,vault",
            "--disable-admission-plugins", "ServiceAccount");

        Assert.Empty(none);
        Assert.Equal(("https://kubernetes.default.svc.cluster.local", null), (defaults!.ServiceAccountIssuer, defaults.ServiceAccountSigningKeyFile));
        Assert.Equal(["https://kubernetes.default.svc.cluster.local"], defaults.EffectiveApiAudiences);
        Assert.True(defaults.ServiceAccountAdmission);
        Assert.Empty(problems);
        Assert.Equal("https://issuer.example", options!.ServiceAccountIssuer);
        Assert.Equal(signing, options.ServiceAccountSigningKeyFile);
        Assert.Equal([a, b, a], options.ServiceAccountKeyFiles);
        Assert.Equal(["api", "vault"], options.EffectiveApiAudiences);
        Assert.False(options.ServiceAccountAdmission);
        var loaded = ServiceAccountSigning.From(options, TimeProvider.System);
        Assert.False(loaded.Generated);
        Assert.Equal("https://issuer.example", loaded.Tokens.Issuer);
    }

    [Fact]
    public void Bad_values_are_problems_naming_the_flag()
    {
        var (_, problems) = Parse("--service-account-issuer", "http://plain.example", "--service-account-signing-key-file", "/nope/sa.key",
            "--service-account-key-file", "/nope/sa.pub", "--disable-admission-plugins", "NamespaceLifecycle");

        Assert.Contains("--service-account-signing-key-file: file \"/nope/sa.key\" does not exist", problems);
        Assert.Contains("--service-account-key-file: file \"/nope/sa.pub\" does not exist", problems);
        Assert.Contains("--service-account-issuer: \"http://plain.example\" must be an https URL or a string without a colon", problems);
        Assert.Contains("--disable-admission-plugins: \"NamespaceLifecycle\" cannot be disabled here (supported values: \"ServiceAccount\")", problems);
    }

    [Fact]
    public void A_key_file_that_is_not_a_usable_key_stops_the_start_naming_the_flag_and_file()
    {
        var notKey = Write("cert.pem", "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n");
        var options = new ApiServerOptions { ServiceAccountSigningKeyFile = notKey };

        var error = Assert.Throws<AuthenticationConfigException>(() => ServiceAccountSigning.From(options, TimeProvider.System));

        Assert.StartsWith($"--service-account-signing-key-file: cannot load \"{notKey}\": ", error.Message);
    }
}
