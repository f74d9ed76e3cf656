using System.CommandLine;
using MiniKube.Api;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl autoscale deployment NAME --min N --max M --cpu-percent P</c>: creates an autoscaling/v2
/// HorizontalPodAutoscaler (named like the target unless <c>--name</c>) for a deployment or replicaset.
/// </summary>
public sealed class AutoscaleCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
    private readonly Option<int?> _min = new("--min") { Description = "The lower limit for the number of pods that can be set by the autoscaler. If it's not specified or negative, the server will apply a default value." };
    private readonly Option<int?> _max = new("--max") { Description = "The upper limit for the number of pods that can be set by the autoscaler. Required." };
    private readonly Option<int?> _cpuPercent = new("--cpu-percent") { Description = "The target average CPU utilization (represented as a percent of requested CPU) over all the pods. If it's not specified or negative, a default autoscaling policy will be used (80%)." };
    private readonly Option<string?> _name = new("--name") { Description = "The name for the newly created object. If not specified, the name of the input resource will be used." };

    public Command Build()
    {
        var command = new Command("autoscale", "Auto-scale a deployment or replica set: create an autoscaler that chooses the number of pods between --min and --max to keep CPU near --cpu-percent.")
        {
            _resources, _min, _max, _cpuPercent, _name,
        };
        runner.Attach(command, async (session, parse) =>
        {
            var max = parse.GetValue(_max) ?? throw new CliException("--max=MAXPODS is required");
            var min = parse.GetValue(_min);
            if (max < 1)
            {
                throw new CliException("--max=MAXPODS must be larger or equal to 1");
            }
            if (min is { } floor && floor > max)
            {
                throw new CliException("--max=MAXPODS must be larger or equal to --min=MINPODS");
            }
            var targets = ResourceArgs.Parse(parse.GetValue(_resources) ?? []).SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
            if (targets.Count != 1)
            {
                throw new CliException(targets.Count == 0 ? "required resource not specified" : "autoscale takes one resource");
            }
            var (resource, name) = targets[0];
            if (resource.Kind is not ("Deployment" or "ReplicaSet"))
            {
                throw new CliException($"cannot autoscale a {resource.Kind}: only deployments and replicasets have a scale subresource");
            }
            // The target must exist, as kubectl checks.
            await session.Client.GetAsync(resource, name, session.Namespace, session.Token).ConfigureAwait(false);
            var cpu = parse.GetValue(_cpuPercent);
            var hpa = new HorizontalPodAutoscaler
            {
                Metadata = new ObjectMeta { Name = parse.GetValue(_name) ?? name, Namespace = session.Namespace },
                Spec = new HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = resource.ApiVersion, Kind = resource.Kind, Name = name },
                    MinReplicas = min is >= 0 ? min : null,
                    MaxReplicas = max,
                    Metrics = cpu is >= 0
                        ?
                        [
                            new MetricSpec
                            {
                                Type = MetricSourceType.Resource,
                                Resource = new ResourceMetricSource
                                {
                                    Name = ResourceName.Cpu,
                                    Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = cpu },
                                },
                            },
                        ]
                        : null,
                },
            };
            var created = await session.Client.CreateAsync(hpa, session.Token).ConfigureAwait(false);
            await session.Out.WriteLineAsync($"horizontalpodautoscaler.autoscaling/{created.Metadata.Name} autoscaled").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
