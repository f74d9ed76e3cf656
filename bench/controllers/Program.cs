using System.CommandLine;
using MiniKube.Bench.Controllers;

var replicas = new Option<int>("--replicas") { Description = "Deployment size for the scale-up and the rolling update", DefaultValueFactory = _ => 1_000 };
var nodes = new Option<int>("--nodes") { Description = "Simulated nodes", DefaultValueFactory = _ => 10 };
var binder = new Option<string>("--binder")
{
    Description = "Who binds pods: fake (the FakeScheduler test double, in-process) or scheduler (the minikube-scheduler process)",
    DefaultValueFactory = _ => "fake",
};
binder.AcceptOnlyFromAmong("fake", "scheduler");
var timeout = new Option<int>("--timeout") { Description = "Seconds each phase may take before the run fails", DefaultValueFactory = _ => 600 };
var root = new RootCommand(
    "bench/controllers: Deployment scale-up 0→N and rolling update of N replicas through the real API server, etcd and controller manager " +
    "(pods are started by the FakeKubelet test double until hollow nodes land; bound by the FakeScheduler double or minikube-scheduler)")
{
    replicas, nodes, binder, timeout,
};
root.SetAction(async (parse, ct) =>
{
    await ControllersBenchmark.RunAsync(parse.GetValue(replicas), parse.GetValue(nodes), parse.GetValue(binder) == "scheduler",
        TimeSpan.FromSeconds(parse.GetValue(timeout)), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
