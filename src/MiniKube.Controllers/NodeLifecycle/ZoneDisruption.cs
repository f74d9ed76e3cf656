namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>How many of a zone's nodes look dead, as Kubernetes' node lifecycle controller classifies it.</summary>
public enum ZoneState
{
    /// <summary>Few nodes are not Ready: evict at <c>--node-eviction-rate</c>.</summary>
    Normal,

    /// <summary>More than 2 nodes and at least <c>--unhealthy-zone-threshold</c> of them not Ready: evict slowly or not at all.</summary>
    PartialDisruption,

    /// <summary>No node Ready. When every zone is in this state the trouble is the control plane's, not the nodes': no eviction.</summary>
    FullDisruption,
}

/// <summary>Zone states and the rate at which NoExecute taints may be added to a zone's nodes (nodes per second).</summary>
public static class ZoneDisruption
{
    /// <summary>The label that names a node's zone (nodes without it share the zone "").</summary>
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    public static ZoneState StateOf(int ready, int notReady, double unhealthyZoneThreshold) => (ready, notReady) switch
    {
        (0, > 0) => ZoneState.FullDisruption,
        _ when notReady > 2 && (double)notReady / (notReady + ready) >= unhealthyZoneThreshold => ZoneState.PartialDisruption,
        _ => ZoneState.Normal,
    };

    /// <summary>
    /// Normal: the eviction rate. Partial disruption: the secondary rate in a large zone, none in a small one (its nodes
    /// are probably fine and the trouble is elsewhere). A fully disrupted zone while others are healthy: the normal rate
    /// (the zone is down; move its pods). Callers stop eviction altogether when every zone is fully disrupted.
    /// </summary>
    public static double EvictionRate(ZoneState state, int zoneSize, NodeLifecycleOptions options) => state switch
    {
        ZoneState.PartialDisruption => zoneSize > options.LargeClusterSizeThreshold ? options.SecondaryNodeEvictionRate : 0,
        _ => options.NodeEvictionRate,
    };
}
