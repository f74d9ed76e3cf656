using System.Text;

namespace MiniKube.Proxy;

/// <summary>
/// The iptables calls the proxy makes: atomic <c>iptables-restore --noflush</c> of our chains, <c>-C</c>/<c>-I</c>/<c>-D</c> of
/// jump rules, and <c>iptables-save</c> to find what is there. Never a policy change, never a flush of a chain not ours.
/// </summary>
public sealed class Iptables
{
    public async Task RestoreAsync(string text, CancellationToken cancellationToken = default) =>
        (await HostCommand.RunAsync("iptables-restore", ["-w", "5", "--noflush"], text, cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    public async Task<string> SaveAsync(string table, CancellationToken cancellationToken = default) =>
        (await HostCommand.RunAsync("iptables-save", ["-t", table], null, cancellationToken).ConfigureAwait(false)).EnsureSuccess().StandardOutput;

    public async Task<bool> ExistsAsync(JumpRule rule, CancellationToken cancellationToken = default)
    {
        var result = await HostCommand.RunAsync("iptables", ["-w", "5", "-t", rule.Table, "-C", rule.Chain, .. rule.Arguments], null, cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            // 2: "Bad rule" when a target chain does not exist yet also means "not there".
            2 when result.StandardError.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
                || result.StandardError.Contains("Bad rule", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new HostCommandException($"{result.Command} exited with {result.ExitCode}: {result.StandardError.Trim()}"),
        };
    }

    /// <summary>Inserts the rule first in its built-in chain (before Docker's rules) unless it is there.</summary>
    public async Task<bool> EnsureAsync(JumpRule rule, CancellationToken cancellationToken = default)
    {
        if (await ExistsAsync(rule, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        (await HostCommand.RunAsync("iptables", ["-w", "5", "-t", rule.Table, "-I", rule.Chain, "1", .. rule.Arguments], null, cancellationToken)
            .ConfigureAwait(false)).EnsureSuccess();
        return true;
    }

    public async Task DeleteAsync(JumpRule rule, CancellationToken cancellationToken = default) =>
        (await HostCommand.RunAsync("iptables", ["-w", "5", "-t", rule.Table, "-D", rule.Chain, .. rule.Arguments], null, cancellationToken)
            .ConfigureAwait(false)).EnsureSuccess();

    /// <summary>The chains (<c>:NAME</c> lines) of an iptables-save dump.</summary>
    public static IReadOnlyList<string> ChainsIn(string save) =>
        [.. save.Split('\n').Where(l => l.StartsWith(':')).Select(l => l[1..].Split(' ')[0])];

    /// <summary>The <c>-A CHAIN args…</c> lines of a dump as (chain, arguments), quotes resolved as iptables-save writes them.</summary>
    public static IEnumerable<(string Chain, IReadOnlyList<string> Arguments)> RulesIn(string save)
    {
        foreach (var line in save.Split('\n'))
        {
            if (!line.StartsWith("-A ", StringComparison.Ordinal))
            {
                continue;
            }
            var words = Split(line);
            yield return (words[1], words.Skip(2).ToList());
        }
    }

    /// <summary>Splits an iptables-save line into words (double quotes group, backslash escapes inside them).</summary>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    word.Append(line[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
                any = true;
            }
            else if (c == ' ')
            {
                if (word.Length > 0 || any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
            }
        }
        if (word.Length > 0 || any)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
