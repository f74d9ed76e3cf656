using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Security;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer.Tests;

/// <summary>JWT signing and verification of service account tokens, and the authenticator's claim checks (no server).</summary>
public sealed class ServiceAccountTokenTests
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static ServiceAccountClaims Claims(string? pod = "web", TimeSpan? life = null) => new()
    {
        Issuer = Issuer,
        Audiences = [Issuer],
        IssuedAt = Now,
        NotBefore = Now,
        Expires = Now + (life ?? TimeSpan.FromHours(1)),
        Namespace = "team",
        ServiceAccountName = "builder",
        ServiceAccountUid = "sa-uid",
        PodName = pod,
        PodUid = pod is null ? null : "pod-uid",
    };

    private static ServiceAccountTokens Tokens(ServiceAccountKey key, IReadOnlyList<string>? audiences = null) =>
        new(Issuer, audiences ?? [Issuer], key, []);

    public static TheoryData<string> Algorithms => new() { "ES256", "RS256" };

    private static ServiceAccountKey Key(string algorithm)
    {
        if (algorithm == "ES256")
        {
            return ServiceAccountKey.Generate();
        }
        using var rsa = RSA.Create(2048);
        return ServiceAccountKey.FromPrivatePem(rsa.ExportRSAPrivateKeyPem());
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void An_issued_token_is_a_jwt_with_kubernetes_claims_and_reads_back(string algorithm)
    {
        var key = Key(algorithm);
        var tokens = Tokens(key);

        var token = tokens.Issue(Claims());

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0]))!;
        var payload = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))!;
        Assert.Equal(algorithm, (string?)header["alg"]);
        Assert.Equal(key.KeyId, (string?)header["kid"]);
        Assert.Equal(Issuer, (string?)payload["iss"]);
        Assert.Equal("system:serviceaccount:team:builder", (string?)payload["sub"]);
        Assert.Equal(Issuer, (string?)payload["aud"]![0]);
        Assert.Equal(Now.ToUnixTimeSeconds() + 3600, (long)payload["exp"]!);
        Assert.Equal(Now.ToUnixTimeSeconds(), (long)payload["iat"]!);
        Assert.Equal(Now.ToUnixTimeSeconds(), (long)payload["nbf"]!);
        Assert.Equal("team", (string?)payload["kubernetes.io"]!["namespace"]);
        Assert.Equal("builder", (string?)payload["kubernetes.io"]!["serviceaccount"]!["name"]);
        Assert.Equal("sa-uid", (string?)payload["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("web", (string?)payload["kubernetes.io"]!["pod"]!["name"]);
        Assert.Equal("pod-uid", (string?)payload["kubernetes.io"]!["pod"]!["uid"]);

        var read = tokens.Read(token, Now.AddMinutes(1), out var error, out _);
        Assert.Null(error);
        Assert.Equal(Claims() with { Audiences = read!.Audiences }, read);
        Assert.Equal([Issuer], read.Audiences);
    }

    [Fact]
    public void A_token_verifies_with_the_public_key_file_alone()
    {
        var signer = ServiceAccountKey.Generate();
        var verifier = new ServiceAccountTokens(Issuer, [Issuer], null, ServiceAccountKey.FromVerifyingPem(signer.PublicKeyPem));

        var claims = verifier.Read(Tokens(signer).Issue(Claims()), Now, out var error, out _);

        Assert.Null(error);
        Assert.Equal("builder", claims!.ServiceAccountName);
        Assert.False(verifier.CanIssue);
    }

    [Fact]
    public void Another_key_a_changed_payload_and_times_outside_the_window_are_refused()
    {
        var tokens = Tokens(ServiceAccountKey.Generate());
        var token = tokens.Issue(Claims());
        var parts = token.Split('.');
        var forged = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))!;
        forged["sub"] = "system:serviceaccount:kube-system:admin";
        var tampered = parts[0] + "." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(forged.ToJsonString())) + "." + parts[2];

        Assert.Null(Tokens(ServiceAccountKey.Generate()).Read(token, Now, out var otherKey, out var otherKeyNotOurs));
        Assert.Equal("invalid signature", otherKey);
        Assert.False(otherKeyNotOurs);
        Assert.Null(tokens.Read(tampered, Now, out var tamperedError, out _));
        Assert.Equal("invalid signature", tamperedError);
        Assert.Null(tokens.Read(token, Now.AddHours(1), out var expired, out _));
        Assert.Equal("token has expired", expired);
        Assert.Null(tokens.Read(token, Now.AddSeconds(-1), out var early, out _));
        Assert.Equal("token is not valid yet", early);
    }

    [Fact]
    public void A_token_for_another_audience_is_refused_even_when_signed_right()
    {
        var key = ServiceAccountKey.Generate();
        var token = Tokens(key).Issue(Claims() with { Audiences = ["vault"] });

        Assert.Null(Tokens(key).Read(token, Now, out var error, out _));
        Assert.Equal($"token audiences [\"vault\"] do not match any of the server's [\"{Issuer}\"]", error);
        Assert.NotNull(Tokens(key, ["vault"]).Read(token, Now, out _, out _));
    }

    [Fact]
    public void A_token_that_is_not_a_jwt_of_this_issuer_is_left_to_other_authenticators()
    {
        var tokens = Tokens(ServiceAccountKey.Generate());

        Assert.Null(tokens.Read("static-token-123", Now, out _, out var plain));
        Assert.True(plain);
        var foreign = new ServiceAccountTokens("https://elsewhere", ["https://elsewhere"], ServiceAccountKey.Generate(), []).Issue(Claims() with { Issuer = "https://elsewhere" });
        Assert.Null(tokens.Read(foreign, Now, out _, out var otherIssuer));
        Assert.True(otherIssuer);
    }

    [Fact]
    public async Task The_authenticator_checks_the_account_and_pod_still_exist_with_the_same_uids_at_the_clock_now()
    {
        var tokens = Tokens(ServiceAccountKey.Generate());
        var objects = new Objects();
        var clock = new FakeTimeProvider(Now);
        var authenticator = new ServiceAccountTokenAuthenticator(tokens, objects, clock);
        var request = new AuthenticationRequest("Bearer " + tokens.Issue(Claims()));

        Assert.Equal("serviceaccounts \"builder\" not found", (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Accounts["team/builder"] = "other-uid";
        Assert.Equal("service account UID (sa-uid) does not match service account object's UID (other-uid)",
            (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Accounts["team/builder"] = "sa-uid";
        Assert.Equal("pods \"web\" not found", (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Pods["team/web"] = "new-pod-uid";
        Assert.Equal("pod UID (pod-uid) does not match pod object's UID (new-pod-uid)", (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Pods["team/web"] = "pod-uid";

        var user = (await authenticator.AuthenticateAsync(request, default)).User!;
        Assert.Equal("system:serviceaccount:team:builder", user.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:team"], user.Groups);
        Assert.Equal("sa-uid", user.Uid);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("token has expired", (await authenticator.AuthenticateAsync(request, default)).Error);
        Assert.False((await authenticator.AuthenticateAsync(new AuthenticationRequest("Bearer plain-static-token"), default)).Authenticated);
        Assert.Null((await authenticator.AuthenticateAsync(new AuthenticationRequest("Bearer plain-static-token"), default)).Error);
    }

    private sealed class Objects : IServiceAccountObjects
    {
        public Dictionary<string, string> Accounts { get; } = [];

        public Dictionary<string, string> Pods { get; } = [];

        public string? ServiceAccountUid(string ns, string name) => Accounts.GetValueOrDefault(ns + "/" + name);

        public string? PodUid(string ns, string name, DateTimeOffset now) => Pods.GetValueOrDefault(ns + "/" + name);
    }
}
