using System.Collections.Concurrent;
using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Bench.Chaos;

/// <summary>
/// Continuous work for the control plane while faults are injected: Deployments scaled up and down, rolling updates (a
/// changed template annotation), pods deleted. Each request that fails is counted by its error as a client-visible error
/// and the churn goes on.
/// </summary>
public sealed class Churn
{
    private readonly MiniKubeClient _client;
    private readonly ChaosOptions _options;
    private readonly Random _random;
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);

    public Churn(MiniKubeClient client, ChaosOptions options, Random random)
    {
        _client = client;
        _options = options;
        _random = random;
    }

    public int Operations { get; private set; }

    public IReadOnlyDictionary<string, int> Errors => _errors;

    public IReadOnlyList<string> DeploymentNames => [.. Enumerable.Range(0, _options.Deployments).Select(i => $"churn-{i}")];

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        foreach (var name in DeploymentNames)
        {
            var labels = new Dictionary<string, string> { ["app"] = name };
            await _client.CreateAsync(new Deployment
            {
                Metadata = new ObjectMeta { Name = name, Namespace = "default" },
                Spec = new DeploymentSpec
                {
                    Replicas = 3,
                    Selector = new LabelSelector { MatchLabels = labels },
                    Template = new PodTemplateSpec
                    {
                        Metadata = new ObjectMeta { Labels = labels },
                        // On a Docker node: a real container that a 1 s grace period ends (sleep as PID 1 ignores SIGTERM).
                        Spec = _options.DockerNode
                            ? new PodSpec
                            {
                                TerminationGracePeriodSeconds = 1,
                                Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0", Command = ["sleep", "3600"] }],
                            }
                            : new PodSpec { Containers = [new Container { Name = "app", Image = "busybox:1.0" }] },
                    },
                    Strategy = new DeploymentStrategy
                    {
                        Type = DeploymentStrategyType.RollingUpdate,
                        RollingUpdate = new RollingUpdateDeployment { MaxSurge = _options.MaxSurge, MaxUnavailable = 1 },
                    },
                },
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One random operation every 200–700 ms until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_random.Next(200, 700), cancellationToken).ConfigureAwait(false);
                await OneAsync(cancellationToken).ConfigureAwait(false);
                Operations++;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Operations++;
                var kind = ex is ApiException api ? $"{api.GetType().Name} {api.Message.Split('\n')[0]}" : ex.GetType().Name;
                _errors.AddOrUpdate(Shorten(kind), 1, (_, n) => n + 1);
            }
        }
    }

    private async Task OneAsync(CancellationToken cancellationToken)
    {
        var name = DeploymentNames[_random.Next(DeploymentNames.Count)];
        switch (_random.Next(3))
        {
            case 0:
                var replicas = _random.Next(1, _options.MaxReplicas + 1);
                await _client.PatchAsync<Deployment>(name, "default", "{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}", cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case 1:
                var revision = Guid.NewGuid().ToString("N")[..8];
                await _client.PatchAsync<Deployment>(name, "default", "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"chaos/rev\":\"" + revision + "\"}}}}}",
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            default:
                var pods = await _client.ListAsync<Pod>("default", labelSelector: "app=" + name, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (pods.Items.Count > 0)
                {
                    var pod = pods.Items[_random.Next(pods.Items.Count)];
                    await _client.DeleteAsync<Pod>(pod.Metadata.Name!, "default", cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                break;
        }
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
