namespace MiniKube.Cluster;

/// <summary>A user-facing failure of a cluster command: minictl prints it as <c>error: MESSAGE</c> and exits 1.</summary>
public sealed class ClusterException(string message) : Exception(message);
