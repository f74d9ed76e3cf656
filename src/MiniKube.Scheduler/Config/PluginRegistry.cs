using System.Text.Json.Nodes;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;

namespace MiniKube.Scheduler.Config;

/// <summary>Decodes and validates one plugin's pluginConfig args at <paramref name="path"/>; problems go to <paramref name="errors"/>.</summary>
internal delegate object? ArgsDecoder(JsonNode args, string path, List<MiniKube.Api.FieldError> errors);

/// <summary>
/// Plugin names → factories. Each profile gets its own instance of each plugin it uses, shared by the
/// extension points (one NodeResourcesFit is both its filter and its score), as upstream does.
/// </summary>
public sealed class PluginRegistry
{
    private readonly Dictionary<string, Registration> registrations = new(StringComparer.Ordinal);

    /// <summary>The in-tree plugins, their args decoders, and upstream names MiniKube accepts but has no use for.</summary>
    public static PluginRegistry CreateInTree()
    {
        var r = new PluginRegistry();
        r.Add(PluginNames.NodeUnschedulable, _ => new NodeUnschedulable(), null);
        r.Add(PluginNames.NodeName, _ => new NodeName(), null);
        r.Add(PluginNames.TaintToleration, _ => new TaintToleration(), null);
        r.Add(PluginNames.NodeAffinity, _ => new NodeAffinity(), PluginArgsDecoders.NodeAffinity);
        r.Add(PluginNames.NodePorts, _ => new NodePorts(), null);
        r.Add(PluginNames.NodeResourcesFit, a => new NodeResourcesFit(a as NodeResourcesFitArgs), PluginArgsDecoders.NodeResourcesFit);
        r.Add(PluginNames.NodeResourcesBalancedAllocation,
            a => new NodeResourcesBalancedAllocation(a as NodeResourcesBalancedAllocationArgs), PluginArgsDecoders.BalancedAllocation);
        r.Add(PluginNames.PodTopologySpread, a => new PodTopologySpread(a as PodTopologySpreadArgs), PluginArgsDecoders.PodTopologySpread);
        r.Add(PluginNames.InterPodAffinity, a => new InterPodAffinity(a as InterPodAffinityArgs), PluginArgsDecoders.InterPodAffinity);
        r.Add(PluginNames.ImageLocality, _ => new ImageLocality(), null);
        foreach (var inert in new[]
        {
            PluginNames.PrioritySort, PluginNames.DefaultBinder, PluginNames.SchedulingGates, PluginNames.DefaultPreemption,
            PluginNames.VolumeBinding, PluginNames.VolumeRestrictions, PluginNames.VolumeZone, PluginNames.NodeVolumeLimits,
            PluginNames.DynamicResources,
        })
        {
            r.registrations[inert] = new Registration(inert, null, null);
        }
        return r;
    }

    /// <summary>
    /// The plugins enabled by default (kube-scheduler's multiPoint defaults), in order, with score weights.
    /// ImageLocality is registered but left out of the defaults (enable it with weight 1 to match upstream).
    /// </summary>
    public static IReadOnlyList<PluginEntry> DefaultPlugins { get; } =
    [
        new(PluginNames.NodeUnschedulable),
        new(PluginNames.NodeName),
        new(PluginNames.TaintToleration, 3),
        new(PluginNames.NodeAffinity, 2),
        new(PluginNames.NodePorts),
        new(PluginNames.NodeResourcesFit, 1),
        new(PluginNames.PodTopologySpread, 2),
        new(PluginNames.InterPodAffinity, 2),
        new(PluginNames.NodeResourcesBalancedAllocation, 1),
    ];

    public IReadOnlyCollection<string> Names => registrations.Keys;

    /// <summary>Registers an out-of-tree plugin without args.</summary>
    public void Register(string name, Func<IPlugin> factory)
    {
        if (!registrations.TryAdd(name, new Registration(name, _ => factory(), null)))
        {
            throw new ArgumentException($"plugin \"{name}\" is already registered", nameof(name));
        }
    }

    public bool IsKnown(string name) => registrations.ContainsKey(name);

    /// <summary>Known, but part of the queue or loop, or of no use without volumes and preemption: configuring it changes nothing.</summary>
    public bool IsInert(string name) => registrations.TryGetValue(name, out var r) && r.Factory is null;

    /// <summary>A new instance of the named plugin with decoded <paramref name="args"/> (null for defaults).</summary>
    public IPlugin Create(string name, object? args = null)
    {
        if (!registrations.TryGetValue(name, out var r) || r.Factory is null)
        {
            throw new ArgumentException($"unknown plugin \"{name}\"", nameof(name));
        }
        return r.Factory(args);
    }

    internal ArgsDecoder? DecoderOf(string name) => registrations.TryGetValue(name, out var r) ? r.Decoder : null;

    private void Add(string name, Func<object?, IPlugin> factory, ArgsDecoder? decoder) =>
        registrations[name] = new Registration(name, factory, decoder);

    private sealed record Registration(string Name, Func<object?, IPlugin>? Factory, ArgsDecoder? Decoder);
}
