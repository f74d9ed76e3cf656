using System.CommandLine;
using System.Globalization;
using MiniKube.Bench.Chaos;

var duration = new Option<int>("--duration") { Description = "Seconds of fault injection", DefaultValueFactory = _ => 300 };
var interval = new Option<double>("--fault-interval") { Description = "Seconds between two faults", DefaultValueFactory = _ => 4 };
var converge = new Option<int>("--converge-timeout") { Description = "Seconds the cluster has to converge after the last fault", DefaultValueFactory = _ => 120 };
var controlPlanes = new Option<int>("--control-planes")
{
    Description = "1, or 3: a three-member etcd cluster and three API servers, every client given all three",
    DefaultValueFactory = _ => 1,
};
var dockerNode = new Option<bool>("--docker-node")
{
    Description = "One node of real Docker containers instead of three hollow ones (checks that no container outlives its pod); 2 Deployments of up to 4 replicas",
};
var minFaults = new Option<int>("--min-faults")
{
    Description = "Keep injecting past --duration (up to three times it) until this many faults were injected, for machines where restarts are slow",
};
var seed = new Option<int>("--seed") { Description = "Seed of the random faults and churn (default: the time)", DefaultValueFactory = _ => Environment.TickCount };
var root = new RootCommand("bench/chaos: kill -9 a random component every few seconds under churn; invariants checked all along; convergence timed")
{
    duration, interval, converge, seed, controlPlanes, dockerNode, minFaults,
};
root.SetAction(async (parse, ct) =>
{
    var options = new ChaosOptions(TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(interval)),
        TimeSpan.FromSeconds(parse.GetValue(converge)), parse.GetValue(seed), ControlPlanes: parse.GetValue(controlPlanes),
        MinFaults: parse.GetValue(minFaults));
    if (parse.GetValue(dockerNode))
    {
        options = options.OnDockerNode();
    }
    if (options.Validate() is { } error)
    {
        Console.Error.WriteLine(error);
        return 2;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {options.Seed}"));
    var report = await new ChaosHarness(options, Console.Out).RunAsync(ct);
    Console.WriteLine(report.Table());
    return report.Passed ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
