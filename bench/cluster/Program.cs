using System.CommandLine;
using MiniKube.Bench.Cluster;

var runs = new Option<int>("--runs") { Description = "Timed bring-ups from nothing (after one untimed warm-up)", DefaultValueFactory = _ => 5 };
var nodes = new Option<int>("--nodes") { Description = "Nodes per cluster", DefaultValueFactory = _ => 2 };
var idle = new Option<int>("--idle") { Description = "Seconds the cluster idles before its footprint is read", DefaultValueFactory = _ => 30 };
var env = new Option<string[]>("--env") { Description = "KEY=VALUE for minictl and so the components (repeatable), e.g. DOTNET_gcServer=1", DefaultValueFactory = _ => [] };
var root = new RootCommand("bench/cluster: minictl cluster up from nothing to all nodes Ready, and the idle VmRSS of every process")
{
    runs, nodes, idle, env,
};
root.SetAction(async (parse, ct) =>
{
    var variables = parse.GetValue(env)!.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
    var options = new ClusterBenchmarkOptions(parse.GetValue(runs), parse.GetValue(nodes), TimeSpan.FromSeconds(parse.GetValue(idle)), variables);
    return await new ClusterBenchmark(options, Console.Out).RunAsync(ct);
});
return await root.Parse(args).InvokeAsync();
