namespace MiniKube.Proxy;

/// <summary>
/// Our chains as one <c>iptables-save</c> dump shows them, reduced to what drift repair compares: per chain, the target of
/// each rule (the text from <c>-j</c> on, which iptables-save prints as it was written). A rule deleted, added or retargeted
/// by hand changes that list; a chain whose list differs from what the proxy wrote is rewritten.
/// </summary>
public sealed class ChainSnapshot
{
    private readonly Dictionary<string, List<string>> _chains = new(StringComparer.Ordinal);

    /// <summary>The proxy's write sequence number when the dump was started: chains written later are newer than the dump.</summary>
    public long Sequence { get; }

    /// <summary>How long the dump and its parse took.</summary>
    public TimeSpan Duration { get; private set; }

    private ChainSnapshot(long sequence) => Sequence = sequence;

    /// <summary>Our chains (table/chain keys) in the dump.</summary>
    public IEnumerable<string> Keys => _chains.Keys;

    /// <summary>Reads the chains of ours from the <c>iptables-save</c> output of each table.</summary>
    public static ChainSnapshot Parse(long sequence, IEnumerable<(string Table, string Save)> dumps, Func<string, bool> isOurs)
    {
        var snapshot = new ChainSnapshot(sequence);
        foreach (var (table, save) in dumps)
        {
            foreach (var line in save.Split('\n'))
            {
                if (line.StartsWith(':'))
                {
                    var chain = line[1..].Split(' ')[0];
                    if (isOurs(chain))
                    {
                        snapshot._chains.TryAdd(table + "/" + chain, []);
                    }
                }
                else if (line.StartsWith("-A ", StringComparison.Ordinal))
                {
                    var end = line.IndexOf(' ', 3);
                    var chain = end < 0 ? line[3..] : line[3..end];
                    if (!isOurs(chain))
                    {
                        continue;
                    }
                    var key = table + "/" + chain;
                    if (!snapshot._chains.TryGetValue(key, out var targets))
                    {
                        snapshot._chains[key] = targets = [];
                    }
                    targets.Add(Target(line));
                }
            }
        }
        return snapshot;
    }

    /// <summary>The target part of a rule: from its <c>-j</c> (or <c>-g</c>) on; the whole rule when it has none.</summary>
    public static string Target(string rule)
    {
        var spaced = " " + rule.TrimEnd('\r');
        var at = spaced.IndexOf(" -j ", StringComparison.Ordinal);
        if (at < 0)
        {
            at = spaced.IndexOf(" -g ", StringComparison.Ordinal);
        }
        return at < 0 ? spaced.Trim() : spaced[(at + 1)..];
    }

    /// <summary>Records how long the dump and parse took.</summary>
    public ChainSnapshot Timed(TimeSpan duration)
    {
        Duration = duration;
        return this;
    }

    public bool Contains(string key) => _chains.ContainsKey(key);

    /// <summary>Whether the dump shows <paramref name="chain"/> with the same rules (by target, in order).</summary>
    public bool Matches(ChainContent chain)
    {
        if (!_chains.TryGetValue(chain.Key, out var targets) || targets.Count != chain.Rules.Count)
        {
            return false;
        }
        for (var i = 0; i < targets.Count; i++)
        {
            if (!string.Equals(targets[i], Target(chain.Rules[i]), StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }
}
