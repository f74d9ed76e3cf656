using System.CommandLine;
using MiniKube.Bench.Controllers;

var replicas = new Option<int>("--replicas") { Description = "Deployment size for the scale-up and the rolling update", DefaultValueFactory = _ => 1_000 };
var nodes = new Option<int>("--nodes") { Description = "Simulated nodes", DefaultValueFactory = _ => 10 };
var timeout = new Option<int>("--timeout") { Description = "Seconds each phase may take before the run fails", DefaultValueFactory = _ => 600 };
var root = new RootCommand(
    "bench/controllers: Deployment scale-up 0→N and rolling update of N replicas through the real API server, etcd and controller manager " +
    "(pods are bound and started by the FakeScheduler/FakeKubelet test doubles until hollow nodes and the scheduler are wired in)")
{
    replicas, nodes, timeout,
};
root.SetAction(async (parse, ct) =>
{
    await ControllersBenchmark.RunAsync(parse.GetValue(replicas), parse.GetValue(nodes), TimeSpan.FromSeconds(parse.GetValue(timeout)), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
