using System.CommandLine;
using MiniKube.Bench.Autoscaling;

var pods = new Option<int>("--pods") { Description = "Pods on the hollow nodes for the pipeline's cost (0: skip that part)", DefaultValueFactory = _ => 1_000 };
var nodes = new Option<int>("--nodes") { Description = "Hollow nodes (one minikube-kubelet --runtime simulated process)", DefaultValueFactory = _ => 10 };
var scrapes = new Option<int>("--scrapes") { Description = "Measured rounds of 10 back-to-back scrapes of every node", DefaultValueFactory = _ => 30 };
var reactions = new Option<int>("--reactions") { Description = "Measured scale-up/scale-down reactions on a Docker cluster (0: skip that part)", DefaultValueFactory = _ => 8 };
var resolution = new Option<int>("--metric-resolution") { Description = "The API server's --metric-resolution, seconds", DefaultValueFactory = _ => 2 };
var sync = new Option<int>("--sync-period") { Description = "The controller-manager's --horizontal-pod-autoscaler-sync-period, seconds", DefaultValueFactory = _ => 2 };
var window = new Option<int>("--downscale-window") { Description = "The HPA's scaleDown.stabilizationWindowSeconds", DefaultValueFactory = _ => 6 };
var root = new RootCommand("bench/autoscaling: the autoscaler's reaction times on a Docker cluster, and the CPU and latency of the API server's resource metrics pipeline (kubelet scrapes, PodMetrics lists) on hollow nodes")
{
    pods, nodes, scrapes, reactions, resolution, sync, window,
};
root.SetAction(async (parse, ct) =>
{
    if (parse.GetValue(reactions) is > 0 and var n)
    {
        var options = new ReactionOptions(n, TimeSpan.FromSeconds(parse.GetValue(resolution)), TimeSpan.FromSeconds(parse.GetValue(sync)),
            TimeSpan.FromSeconds(parse.GetValue(window)));
        if (await ReactionBenchmark.RunAsync(options, Console.Out, ct) != 0)
        {
            return 1;
        }
    }
    if (parse.GetValue(pods) > 0)
    {
        await PipelineBenchmark.RunAsync(parse.GetValue(pods), parse.GetValue(nodes), parse.GetValue(scrapes), Console.Out, ct);
    }
    return 0;
});
return await root.Parse(args).InvokeAsync();
