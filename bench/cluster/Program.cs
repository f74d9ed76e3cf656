using System.CommandLine;
using MiniKube.Bench.Cluster;

var runs = new Option<int>("--runs") { Description = "Timed bring-ups from nothing (after one untimed warm-up)", DefaultValueFactory = _ => 5 };
var nodes = new Option<int>("--nodes") { Description = "Nodes per cluster", DefaultValueFactory = _ => 2 };
var idle = new Option<int>("--idle") { Description = "Seconds the cluster idles (after its Deployments) before its footprint is read", DefaultValueFactory = _ => 20 };
var deployments = new Option<int>("--deployments") { Description = "Deployments each cluster runs one after the other (create, rollout status, delete); 0: none", DefaultValueFactory = _ => 3 };
var replicas = new Option<int>("--replicas") { Description = "Replicas of each Deployment", DefaultValueFactory = _ => 20 };
var binDir = new Option<string?>("--bin-dir") { Description = "A directory with minictl and the components (e.g. the precompiled publish); default: this benchmark's build output" };
var env = new Option<string[]>("--env") { Description = "KEY=VALUE for minictl and so the components (repeatable), e.g. DOTNET_gcServer=1", DefaultValueFactory = _ => [] };
var root = new RootCommand("bench/cluster: minictl cluster up from nothing to all nodes Ready, and the idle VmRSS of every process")
{
    runs, nodes, idle, env, deployments, replicas, binDir,
};
root.SetAction(async (parse, ct) =>
{
    var variables = parse.GetValue(env)!.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
    var bin = parse.GetValue(binDir);
    if (bin is not null && !File.Exists(Path.Combine(bin, "minictl.dll")) && !File.Exists(Path.Combine(bin, "minictl")))
    {
        await Console.Error.WriteLineAsync($"--bin-dir: no minictl in {Path.GetFullPath(bin)}");
        return 2;
    }
    var options = new ClusterBenchmarkOptions(parse.GetValue(runs), parse.GetValue(nodes), TimeSpan.FromSeconds(parse.GetValue(idle)), variables,
        parse.GetValue(deployments), parse.GetValue(replicas), bin is null ? null : Path.GetFullPath(bin));
    return await new ClusterBenchmark(options, Console.Out).RunAsync(ct);
});
return await root.Parse(args).InvokeAsync();
