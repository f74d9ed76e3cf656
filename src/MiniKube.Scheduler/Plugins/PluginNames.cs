namespace MiniKube.Scheduler.Plugins;

/// <summary>kube-scheduler's in-tree plugin names, spelled exactly as configuration files use them.</summary>
public static class PluginNames
{
    public const string NodeUnschedulable = "NodeUnschedulable";
    public const string NodeName = "NodeName";
    public const string NodeAffinity = "NodeAffinity";
    public const string TaintToleration = "TaintToleration";
    public const string NodeResourcesFit = "NodeResourcesFit";
    public const string NodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation";
    public const string NodePorts = "NodePorts";
    public const string PodTopologySpread = "PodTopologySpread";
    public const string InterPodAffinity = "InterPodAffinity";
    public const string ImageLocality = "ImageLocality";

    // Built into MiniKube's queue and loop rather than plugins; accepted in configuration files.
    public const string PrioritySort = "PrioritySort";
    public const string DefaultBinder = "DefaultBinder";
    public const string SchedulingGates = "SchedulingGates";

    // Upstream plugins MiniKube has no use for (no volumes, no preemption yet); may be disabled, not enabled.
    public const string DefaultPreemption = "DefaultPreemption";
    public const string VolumeBinding = "VolumeBinding";
    public const string VolumeRestrictions = "VolumeRestrictions";
    public const string VolumeZone = "VolumeZone";
    public const string NodeVolumeLimits = "NodeVolumeLimits";
    public const string DynamicResources = "DynamicResources";
}
