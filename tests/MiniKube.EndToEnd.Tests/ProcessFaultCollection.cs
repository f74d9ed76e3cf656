namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// The tests that run a whole cluster of processes of their own and kill them (ProcessFaultTests, ChaosTests) run one at a
/// time: each is timed against its own faults, and two at once on a 2-core machine only measure each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessFaultCollection
{
    public const string Name = "process faults";
}
