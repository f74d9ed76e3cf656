using YamlDotNet.RepresentationModel;

namespace MiniKube.Api.Serialization;

/// <summary>
/// Bounds how much a YAML document may grow through aliases, with the rule Kubernetes' YAML reader (go-yaml) uses: once
/// more than 1,000 nodes were produced, of which more than 100 came from expanding aliases, the share of expanded nodes
/// may not exceed 99 % (up to 400,000 nodes), falling linearly to 10 % at 4,000,000 nodes. A "billion laughs" document
/// is refused after a few thousand nodes instead of growing to gigabytes.
/// </summary>
internal sealed class AliasBudget
{
    private const long RatioRangeLow = 400_000;
    private const long RatioRangeHigh = 4_000_000;
    private readonly HashSet<YamlNode> _seen = new(ReferenceEqualityComparer.Instance);
    private long _nodes;
    private long _expanded;

    /// <summary>Counts one node about to be converted; returns whether it repeats an earlier one (an alias).</summary>
    public bool Count(YamlNode node, bool insideAlias)
    {
        var alias = insideAlias || !_seen.Add(node);
        _nodes++;
        if (alias)
        {
            _expanded++;
        }
        if (_expanded > 100 && _nodes > 1000 && (double)_expanded / _nodes > AllowedRatio(_nodes))
        {
            throw new DecodeException(FieldError.Malformed("",
                $"yaml: line {node.Start.Line}, column {node.Start.Column}: document contains excessive aliasing ({_expanded:N0} of {_nodes:N0} nodes expanded from aliases)"));
        }
        return alias;
    }

    internal static double AllowedRatio(long nodes) => nodes switch
    {
        <= RatioRangeLow => 0.99,
        >= RatioRangeHigh => 0.10,
        _ => 0.99 - (0.89 * (nodes - RatioRangeLow) / (RatioRangeHigh - RatioRangeLow)),
    };
}
