using System.CommandLine;
using MiniKube.Bench.PodStartup;

var single = new Option<int>("--single-runs") { Description = "Single-pod starts to measure", DefaultValueFactory = _ => 20 };
var bursts = new Option<string>("--bursts") { Description = "Burst sizes, comma-separated", DefaultValueFactory = _ => "20,50" };
var workers = new Option<int>("--pod-workers") { Description = "Kubelet pod workers (also the floor's parallelism)", DefaultValueFactory = _ => 16 };
var restarts = new Option<int>("--restarts") { Description = "Pods whose app container is killed once and timed until running again (0: none)", DefaultValueFactory = _ => 20 };
var image = new Option<string>("--image") { Description = "App container image", DefaultValueFactory = _ => "minikube/busybox:1.0" };
var root = new RootCommand("bench/podstartup: pod startup latency (create → Running via watch) on one kubelet vs the raw Docker floor")
{
    single, bursts, workers, image, restarts,
};
root.SetAction(async (parse, ct) =>
{
    var settings = new BenchSettings(
        parse.GetValue(single),
        [.. parse.GetValue(bursts)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)],
        parse.GetValue(workers),
        parse.GetValue(image)!,
        parse.GetValue(restarts));
    await PodStartupBenchmark.RunAsync(settings, Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
