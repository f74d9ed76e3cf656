namespace MiniKube.Dashboard.State;

/// <summary>One metrics reading of a pod (its containers summed) or a node: when it was measured, CPU in millicores, memory (working set) in bytes.</summary>
public sealed record MetricSample(DateTimeOffset Time, long MilliCpu, long MemoryBytes);
