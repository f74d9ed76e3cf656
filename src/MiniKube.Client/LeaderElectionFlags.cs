using System.CommandLine;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// Kubernetes' leader-election flags, with its names and Go-duration values, bound the same way for every component
/// that elects a leader: <c>--leader-elect</c>, <c>--leader-elect-lease-duration</c>, <c>--leader-elect-renew-deadline</c>,
/// <c>--leader-elect-retry-period</c>, <c>--leader-elect-resource-name</c>, <c>--leader-elect-resource-namespace</c>,
/// and <c>--leader-elect-identity</c> (so a supervisor can tell which of its processes leads).
/// </summary>
public sealed class LeaderElectionFlags
{
    private static readonly LeaderElectionOptions Defaults = new();

    public LeaderElectionFlags(string resourceName)
    {
        LeaderElect = new Option<bool>("--leader-elect") { Description = "Act only while holding the leader Lease", DefaultValueFactory = _ => true };
        LeaseDuration = DurationOption("--leader-elect-lease-duration", Defaults.LeaseDuration, "How long a Lease not renewed stays valid; standbys wait this long");
        RenewDeadline = DurationOption("--leader-elect-renew-deadline", Defaults.RenewDeadline, "How long the leader retries renewing before it gives up");
        RetryPeriod = DurationOption("--leader-elect-retry-period", Defaults.RetryPeriod, "How often to try to acquire or renew the Lease");
        ResourceName = new Option<string>("--leader-elect-resource-name") { Description = "The Lease's name", DefaultValueFactory = _ => resourceName };
        ResourceNamespace = new Option<string>("--leader-elect-resource-namespace") { Description = "The Lease's namespace", DefaultValueFactory = _ => Defaults.LeaseNamespace };
        Identity = new Option<string?>("--leader-elect-identity") { Description = "Who this process is in the Lease (default: host name and a random suffix); must differ between candidates" };
    }

    public Option<bool> LeaderElect { get; }

    public Option<string> LeaseDuration { get; }

    public Option<string> RenewDeadline { get; }

    public Option<string> RetryPeriod { get; }

    public Option<string> ResourceName { get; }

    public Option<string> ResourceNamespace { get; }

    public Option<string?> Identity { get; }

    public IReadOnlyList<Option> All => [LeaderElect, LeaseDuration, RenewDeadline, RetryPeriod, ResourceName, ResourceNamespace, Identity];

    /// <summary>Whether to elect, and how, in one value; a value that is not a Go duration adds one line to <paramref name="problems"/>.</summary>
    public LeaderElectionOptions Bind(ParseResult parse, ICollection<string> problems)
    {
        TimeSpan Duration(Option<string> option, TimeSpan fallback)
        {
            var count = problems.Count;
            var value = GoDuration.ParseFlag(option.Name, parse.GetValue(option) ?? "", problems);
            return problems.Count > count ? fallback : value;
        }
        return Defaults with
        {
            LeaderElect = parse.GetValue(LeaderElect),
            LeaseName = (parse.GetValue(ResourceName) ?? "").Trim(),
            LeaseNamespace = (parse.GetValue(ResourceNamespace) ?? "").Trim(),
            Identity = parse.GetValue(Identity) is { Length: > 0 } identity ? identity.Trim() : Defaults.Identity,
            LeaseDuration = Duration(LeaseDuration, Defaults.LeaseDuration),
            RenewDeadline = Duration(RenewDeadline, Defaults.RenewDeadline),
            RetryPeriod = Duration(RetryPeriod, Defaults.RetryPeriod),
        };
    }

    private static Option<string> DurationOption(string name, TimeSpan value, string description) =>
        new(name) { Description = description + " (a Go duration)", DefaultValueFactory = _ => GoDuration.Format(value) };
}
