using System.CommandLine;
using MiniKube.Bench.Controllers;

var replicas = new Option<int>("--replicas") { Description = "Deployment size for the scale-up and the rolling update", DefaultValueFactory = _ => 1_000 };
var nodes = new Option<int>("--nodes") { Description = "Simulated nodes", DefaultValueFactory = _ => 10 };
var cluster = new Option<string>("--cluster")
{
    Description = "Who binds and runs pods: fake (FakeScheduler + FakeKubelet test doubles, in-process), scheduler (minikube-scheduler " +
        "process + FakeKubelet) or hollow (minikube-scheduler + minikube-kubelet --runtime simulated processes)",
    DefaultValueFactory = _ => "hollow",
};
cluster.AcceptOnlyFromAmong("fake", "scheduler", "hollow");
var warmup = new Option<int>("--warmup")
{
    Description = "Pods of a separate Deployment created, run and deleted before measuring, so the freshly started components have " +
        "compiled their code paths (0: measure from a cold start)",
    DefaultValueFactory = _ => 500,
};
var timeout = new Option<int>("--timeout") { Description = "Seconds each phase may take before the run fails", DefaultValueFactory = _ => 600 };
var root = new RootCommand(
    "bench/controllers: Deployment scale-up 0→N and rolling update of N replicas through the real API server, etcd and controller manager " +
    "(pods bound by minikube-scheduler and run by hollow minikube-kubelet nodes, or by in-process test doubles)")
{
    replicas, nodes, cluster, warmup, timeout,
};
root.SetAction(async (parse, ct) =>
{
    await ControllersBenchmark.RunAsync(parse.GetValue(replicas), parse.GetValue(nodes), parse.GetValue(cluster)!, parse.GetValue(warmup),
        TimeSpan.FromSeconds(parse.GetValue(timeout)), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
