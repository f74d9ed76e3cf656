using System.Diagnostics;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Scheduler;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;

// In-process cost of one scheduling cycle with the default profile: bring the snapshot up to date, run
// PreFilter/Filter/PreScore/Score/normalise/select, assume the pod in the cache. No API server, no binding:
// this is the part the scheduler process adds on top of the network round trips.
//
// Usage: dotnet run -c Release --project bench/scheduler-micro [-- --cycles N --nodes 100,1000,5000
//        --workload ReplicaSetPods,PlainPods,HostPortSpread]

var cycles = 20_000;
int[] nodeCounts = [100, 1_000, 5_000];
Workload[] workloads = [Workload.ReplicaSetPods, Workload.PlainPods, Workload.HostPortSpread];
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--cycles":
            cycles = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--nodes":
            nodeCounts = args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            break;
        case "--workload":
            workloads = args[i + 1].Split(',').Select(s => Enum.Parse<Workload>(s, ignoreCase: true)).ToArray();
            break;
    }
}

Console.WriteLine($"scheduler-micro: {cycles:N0} measured cycles per row after warm-up; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| workload          |  nodes | evaluated | median µs |  p99 µs | mean µs | cycles/s | alloc B/cycle | GC 0/1/2 |");
Console.WriteLine("|-------------------|-------:|----------:|----------:|--------:|--------:|---------:|--------------:|---------:|");
foreach (var workload in workloads)
{
    foreach (var n in nodeCounts)
    {
        var r = Bench.Run(workload, n, cycles);
        Console.WriteLine(
            $"| {Bench.Describe(workload),-17} | {n,6:N0} | {r.Evaluated,9:N0} | {r.Median,9:F1} | {r.P99,7:F1} | {r.Mean,7:F1} | {1e6 / r.Mean,8:N0} | {r.AllocatedPerCycle,13:N0} | {r.Collections,8} |");
    }
}

internal enum Workload
{
    /// <summary>Pods of 20 ReplicaSets (bursts of 50): default owner spreading scores every cycle.</summary>
    ReplicaSetPods,

    /// <summary>Pods without owner: filter and resource scores only.</summary>
    PlainPods,

    /// <summary>ReplicaSet pods with a host port and a hard hostname spread constraint: the heavier plugins.</summary>
    HostPortSpread,
}

internal static class Bench
{
    public static string Describe(Workload w) => w switch
    {
        Workload.ReplicaSetPods => "replicaset pods",
        Workload.PlainPods => "plain pods",
        _ => "ports+hard spread",
    };

    public static Result Run(Workload workload, int nodeCount, int cycles)
    {
        var profile = SchedulerConfiguration.Default.BuildProfiles()[0];
        var scheduler = new GenericScheduler(profile, new Random(1));
        var cache = new SchedulerCache();
        for (var i = 0; i < nodeCount; i++)
        {
            cache.AddNode(NewNode(i));
        }
        // Ten running pods per node to start with.
        var seq = 0;
        for (var i = 0; i < nodeCount * 10; i++)
        {
            var running = NewPod(workload, seq++);
            cache.AddPod(running with { Spec = running.Spec! with { NodeName = $"node-{i % nodeCount:D5}" } });
        }
        var snapshot = new NodeSnapshot();
        var state = new CycleState();
        var live = new Queue<Pod>();

        // Prebuilt pods: PodInfo is computed when a pod enters the queue, not in the cycle.
        var warmup = Math.Min(cycles, 5_000);
        var total = warmup + cycles;
        var pods = new PodInfo[total];
        for (var i = 0; i < total; i++)
        {
            pods[i] = PodInfo.Create(NewPod(workload, seq++));
        }
        var times = new double[cycles];
        var gcBefore = (0, 0, 0);
        long evaluated = 0;
        long allocated = 0;
        for (var i = 0; i < total; i++)
        {
            var pod = pods[i];
            var allocBefore = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            cache.UpdateSnapshot(snapshot);
            var result = scheduler.Schedule(state, pod, snapshot);
            if (result.SuggestedHost is { } host)
            {
                cache.AssumePod(pod, host);
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            var allocAfter = GC.GetAllocatedBytesForCurrentThread();
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"cycle {i} failed: {result}");
            }
            live.Enqueue(pod.Pod);
            // Keep the cluster's fill level steady: as many pods leave as arrive.
            if (live.Count > nodeCount * 2)
            {
                cache.ForgetPod(live.Dequeue());
            }
            if (i == warmup)
            {
                gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            }
            if (i >= warmup)
            {
                times[i - warmup] = elapsed.TotalMicroseconds;
                evaluated += result.EvaluatedNodes;
                allocated += allocAfter - allocBefore;
            }
        }
        Array.Sort(times);
        return new Result(
            times[times.Length / 2],
            times[(int)(times.Length * 0.99)],
            times.Average(),
            evaluated / cycles,
            allocated / cycles,
            $"{GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3}");
    }

    private static Node NewNode(int i)
    {
        var allocatable = new Dictionary<string, Quantity>
        {
            ["cpu"] = Quantity.Parse("32"),
            ["memory"] = Quantity.Parse("128Gi"),
            ["pods"] = Quantity.FromValue(110),
        };
        var name = $"node-{i:D5}";
        return new Node
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                },
            },
            Spec = new NodeSpec(),
            Status = new NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    private static Pod NewPod(Workload workload, int i)
    {
        // Pods arrive as ReplicaSet scale-ups do: bursts of 50 from one owner, 20 owners in turn.
        var rs = i / 50 % 20;
        var container = new Container
        {
            Name = "app",
            Image = "busybox",
            Resources = new ResourceRequirements
            {
                Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("128Mi") },
            },
            Ports = workload == Workload.HostPortSpread ? [new ContainerPortSpec { ContainerPort = 80, HostPort = 20000 + i % 5_000 }] : null,
        };
        var labels = new Dictionary<string, string> { ["app"] = $"app-{rs}" };
        return new Pod
        {
            Metadata = new ObjectMeta
            {
                Name = $"pod-{i}",
                Namespace = "default",
                Uid = $"uid-{i}",
                Labels = labels,
                OwnerReferences = workload == Workload.PlainPods
                    ? null
                    : [new OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = $"rs-{rs}", Uid = $"rs-uid-{rs}", Controller = true }],
            },
            Spec = new PodSpec
            {
                Containers = [container],
                TopologySpreadConstraints = workload == Workload.HostPortSpread
                    ?
                    [
                        new TopologySpreadConstraint
                        {
                            MaxSkew = 5,
                            TopologyKey = "kubernetes.io/hostname",
                            WhenUnsatisfiable = "DoNotSchedule",
                            LabelSelector = new LabelSelector { MatchLabels = labels },
                        },
                    ]
                    : null,
            },
        };
    }

    internal readonly record struct Result(double Median, double P99, double Mean, long Evaluated, long AllocatedPerCycle, string Collections);
}
