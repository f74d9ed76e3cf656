using System.CommandLine;
using MiniKube.Bench.Autoscaling;

var pods = new Option<int>("--pods") { Description = "Pods on the hollow nodes", DefaultValueFactory = _ => 1_000 };
var nodes = new Option<int>("--nodes") { Description = "Hollow nodes (one minikube-kubelet --runtime simulated process)", DefaultValueFactory = _ => 10 };
var scrapes = new Option<int>("--scrapes") { Description = "Measured scrapes of every node", DefaultValueFactory = _ => 30 };
var root = new RootCommand("bench/autoscaling: CPU and latency of the API server's resource metrics pipeline (kubelet scrapes, PodMetrics lists) on hollow nodes")
{
    pods, nodes, scrapes,
};
root.SetAction(async (parse, ct) =>
{
    await PipelineBenchmark.RunAsync(parse.GetValue(pods), parse.GetValue(nodes), parse.GetValue(scrapes), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
