namespace MiniKube.EndToEnd.Tests;

/// <summary>A two-node cluster with a highly available control plane: <c>cluster up --control-planes 3</c>.</summary>
public sealed class HaClusterFixture() : ClusterFixture(2, ["--control-planes", "3"]);
