using Microsoft.Extensions.Time.Testing;
using MiniKube.Security;
using MiniKube.Security.ServiceAccounts;

namespace MiniKube.ApiServer.Tests;

/// <summary>The cache of verified service account tokens: its TTL and the token's expiry, its bound, and what it never skips.</summary>
public sealed class VerifiedTokenCacheTests
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static ServiceAccountClaims Claims(TimeSpan life, string? pod = "web") => new()
    {
        Issuer = Issuer,
        Audiences = [Issuer],
        IssuedAt = Now,
        NotBefore = Now,
        Expires = Now + life,
        Namespace = "team",
        ServiceAccountName = "builder",
        ServiceAccountUid = "sa-uid",
        PodName = pod,
        PodUid = pod is null ? null : "pod-uid",
    };

    [Fact]
    public void An_entry_is_used_until_the_ttl_and_then_dropped()
    {
        var cache = new VerifiedTokenCache(TimeSpan.FromSeconds(10), 16);
        var claims = Claims(TimeSpan.FromHours(1));
        cache.Add("t1", claims, Now);

        Assert.Same(claims, cache.Get("t1", Now.AddSeconds(9.999)));
        Assert.Null(cache.Get("t1", Now.AddSeconds(10)));
        Assert.Equal(0, cache.Count);
        Assert.Null(cache.Get("other", Now));
    }

    [Fact]
    public void An_entry_never_outlives_the_token_nor_is_used_before_its_not_before()
    {
        var cache = new VerifiedTokenCache(TimeSpan.FromSeconds(10), 16);
        cache.Add("t1", Claims(TimeSpan.FromSeconds(3)), Now);

        Assert.NotNull(cache.Get("t1", Now.AddSeconds(2)));
        Assert.Null(cache.Get("t1", Now.AddSeconds(3)));

        cache.Add("t2", Claims(TimeSpan.FromHours(1)), Now);
        Assert.Null(cache.Get("t2", Now.AddSeconds(-1)));
        cache.Add("expired", Claims(TimeSpan.FromSeconds(3)), Now.AddSeconds(3));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void The_cache_holds_at_most_its_capacity_and_sweeps_expired_entries_when_full()
    {
        var cache = new VerifiedTokenCache(TimeSpan.FromSeconds(10), 2);
        var claims = Claims(TimeSpan.FromHours(1));
        cache.Add("a", claims, Now);
        cache.Add("b", claims, Now);
        cache.Add("c", claims, Now);

        Assert.Equal(2, cache.Count);
        Assert.Null(cache.Get("c", Now));
        Assert.NotNull(cache.Get("a", Now));
        cache.Add("a", claims, Now.AddSeconds(1)); // a kept token is refreshed even when full
        Assert.Equal(2, cache.Count);

        cache.Add("d", claims, Now.AddSeconds(10)); // b expired (added at Now): swept to make room; a (refreshed) stays
        Assert.Equal(2, cache.Count);
        Assert.NotNull(cache.Get("d", Now.AddSeconds(10)));
        Assert.NotNull(cache.Get("a", Now.AddSeconds(10)));
        Assert.Null(cache.Get("b", Now.AddSeconds(10)));
    }

    [Fact]
    public async Task A_cached_token_is_refused_at_once_when_its_account_or_pod_goes_and_when_it_expires()
    {
        var tokens = new ServiceAccountTokens(Issuer, [Issuer], ServiceAccountKey.Generate(), []);
        var objects = new Objects();
        objects.Accounts["team/builder"] = "sa-uid";
        objects.Pods["team/web"] = "pod-uid";
        var clock = new FakeTimeProvider(Now);
        var cache = new VerifiedTokenCache(TimeSpan.FromSeconds(10), 16);
        var authenticator = new ServiceAccountTokenAuthenticator(tokens, objects, clock, cache);
        var request = new AuthenticationRequest("Bearer " + tokens.Issue(Claims(TimeSpan.FromSeconds(15))));

        Assert.Equal("system:serviceaccount:team:builder", (await authenticator.AuthenticateAsync(request, default)).User?.Name);
        Assert.Equal(1, cache.Count);

        objects.Pods["team/web"] = "new-pod-uid";
        Assert.Equal("pod UID (pod-uid) does not match pod object's UID (new-pod-uid)", (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Pods["team/web"] = "pod-uid";
        objects.Accounts.Remove("team/builder");
        Assert.Equal("serviceaccounts \"builder\" not found", (await authenticator.AuthenticateAsync(request, default)).Error);
        objects.Accounts["team/builder"] = "sa-uid";
        Assert.True((await authenticator.AuthenticateAsync(request, default)).Authenticated);

        clock.Advance(TimeSpan.FromSeconds(12)); // past the TTL: verified again and kept until exp (3 s on)
        Assert.True((await authenticator.AuthenticateAsync(request, default)).Authenticated);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("token has expired", (await authenticator.AuthenticateAsync(request, default)).Error);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_token_that_fails_verification_is_not_kept()
    {
        var tokens = new ServiceAccountTokens(Issuer, [Issuer], ServiceAccountKey.Generate(), []);
        var forger = new ServiceAccountTokens(Issuer, [Issuer], ServiceAccountKey.Generate(), []);
        var cache = new VerifiedTokenCache(TimeSpan.FromSeconds(10), 16);
        var authenticator = new ServiceAccountTokenAuthenticator(tokens, new Objects(), new FakeTimeProvider(Now), cache);

        var forged = await authenticator.AuthenticateAsync(new AuthenticationRequest("Bearer " + forger.Issue(Claims(TimeSpan.FromHours(1)))), default);
        var missingAccount = await authenticator.AuthenticateAsync(new AuthenticationRequest("Bearer " + tokens.Issue(Claims(TimeSpan.FromHours(1)))), default);

        Assert.Equal("invalid signature", forged.Error);
        Assert.Equal("serviceaccounts \"builder\" not found", missingAccount.Error);
        // The signature of the second token was good, so its verification is kept; the forged one's is not.
        Assert.Equal(1, cache.Count);
    }

    private sealed class Objects : IServiceAccountObjects
    {
        public Dictionary<string, string> Accounts { get; } = [];

        public Dictionary<string, string> Pods { get; } = [];

        public string? ServiceAccountUid(string ns, string name) => Accounts.GetValueOrDefault(ns + "/" + name);

        public string? PodUid(string ns, string name, DateTimeOffset now) => Pods.GetValueOrDefault(ns + "/" + name);
    }
}
