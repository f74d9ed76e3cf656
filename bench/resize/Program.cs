using System.CommandLine;
using MiniKube.Bench.Resize;

var resizes = new Option<int>("--resizes") { Description = "Resizes to measure (each beside one raw docker update)", DefaultValueFactory = _ => 100 };
var image = new Option<string>("--image") { Description = "App container image", DefaultValueFactory = _ => "minikube/busybox:1.0" };
var root = new RootCommand("bench/resize: in-place resize latency (patch → Docker updated → status shows it) on one kubelet vs a raw docker update")
{
    resizes, image,
};
root.Validators.Add(r =>
{
    if (r.GetValue(resizes) < 1)
    {
        r.AddError("--resizes must be at least 1");
    }
});
root.SetAction(async (parse, ct) =>
{
    await ResizeBenchmark.RunAsync(parse.GetValue(resizes), parse.GetValue(image)!, Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
