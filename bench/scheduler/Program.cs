using System.CommandLine;
using MiniKube.Bench.Scheduler;

var nodes = new Option<string>("--nodes") { Description = "Comma-separated node counts, one run each", DefaultValueFactory = _ => "100,1000,5000" };
var pods = new Option<int>("--pods") { Description = "Pending pods scheduled in each run", DefaultValueFactory = _ => 10_000 };
var latencyPods = new Option<int>("--latency-pods") { Description = "Pods created at a steady rate for the latency phase", DefaultValueFactory = _ => 1_000 };
var rate = new Option<int>("--latency-rate") { Description = "Pods per second in the latency phase", DefaultValueFactory = _ => 200 };
var binDir = new Option<string?>("--bin-dir")
{
    Description = "A directory with minikube-apiserver and minikube-scheduler (e.g. their ReadyToRun publish, as they ship); default: this benchmark's build output",
};
var root = new RootCommand("bench/scheduler: pods bound per second and creation→bound latency, against real API server, etcd and scheduler processes")
{
    nodes, pods, latencyPods, rate, binDir,
};
root.SetAction(async (parse, ct) =>
{
    var counts = parse.GetValue(nodes)!.Split(',').Select(int.Parse).ToArray();
    await SchedulerBenchmark.RunAsync(counts, parse.GetValue(pods), parse.GetValue(latencyPods), parse.GetValue(rate), parse.GetValue(binDir), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
