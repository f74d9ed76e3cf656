using System.Collections.Concurrent;

namespace MiniKube.Security.ServiceAccounts;

/// <summary>
/// Service account tokens whose signature, issuer and audience have been verified, kept for a short while so that a caller
/// sending the same token on every request pays for the JWT parse and signature check once per <see cref="Ttl"/>, not per
/// request (Kubernetes' cached token authenticator keeps successes for 10 s too). Only the verification of the token's own
/// bytes is kept: the server's keys are fixed for the life of the process, so a token that verified once always does.
/// </summary>
/// <remarks>
/// What can change is checked on every request, hit or not: an entry is used only while now is before both its
/// <see cref="Ttl"/> and the token's <c>exp</c> (and not before <c>nbf</c>), and the authenticator looks the ServiceAccount
/// and the bound pod up by uid each time, so deleting either refuses the token at once. Failures are never kept. The cache
/// holds at most <see cref="Capacity"/> tokens: when full, expired entries are swept, and if it is still full a new token is
/// simply verified again next time.
/// </remarks>
public sealed class VerifiedTokenCache
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(10);

    public const int DefaultCapacity = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public VerifiedTokenCache(TimeSpan ttl, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Ttl = ttl;
        Capacity = capacity;
    }

    public TimeSpan Ttl { get; }

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>The verified claims of <paramref name="token"/> if it is kept and still usable at <paramref name="now"/>; else null.</summary>
    public ServiceAccountClaims? Get(string token, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(token, out var entry))
        {
            return null;
        }
        if (now < entry.Until && now >= entry.Claims.NotBefore)
        {
            return entry.Claims;
        }
        _entries.TryRemove(KeyValuePair.Create(token, entry));
        return null;
    }

    /// <summary>Keeps <paramref name="claims"/>, just verified at <paramref name="now"/>, until the TTL or the token's expiry, whichever is first.</summary>
    public void Add(string token, ServiceAccountClaims claims, DateTimeOffset now)
    {
        var until = now + Ttl < claims.Expires ? now + Ttl : claims.Expires;
        if (until <= now)
        {
            return;
        }
        if (_entries.Count >= Capacity && !_entries.ContainsKey(token))
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.Until <= now)
                {
                    _entries.TryRemove(KeyValuePair.Create(key, entry));
                }
            }
            if (_entries.Count >= Capacity)
            {
                return;
            }
        }
        _entries[token] = new Entry(claims, until);
    }

    private sealed record Entry(ServiceAccountClaims Claims, DateTimeOffset Until);
}
