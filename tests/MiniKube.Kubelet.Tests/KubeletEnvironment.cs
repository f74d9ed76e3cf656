using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Kubelet;
using MiniKube.Testing;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// A kubelet for one test: its own node name, root dir and short back-offs, hosted in-process against the test's API
/// server. Disposing stops it and removes every container labelled with its node, even when the test failed.
/// </summary>
public sealed class KubeletEnvironment : IAsyncDisposable
{
    private static readonly Lazy<ILoggerFactory> Loggers = new(CreateLoggers);

    private KubeletEnvironment(TestApiServer api, KubeletOptions options)
    {
        Api = api;
        Options = options;
    }

    public TestApiServer Api { get; }

    public MiniKubeClient Client => Api.Client;

    public KubeletOptions Options { get; }

    public string Node => Options.NodeName;

    public KubeletHost? Host { get; private set; }

    public static async Task<KubeletEnvironment> StartAsync(TestApiServer api, Func<KubeletOptions, KubeletOptions>? configure = null, string? nodeName = null)
    {
        var node = nodeName ?? "t-" + Guid.NewGuid().ToString("N")[..10];
        var root = Path.Combine(Environment.GetEnvironmentVariable("MINIKUBE_TEST_TMPDIR") is { Length: > 0 } tmp ? tmp : Path.GetTempPath(), "kubelet-" + node);
        var options = new KubeletOptions
        {
            Server = api.GrpcAddress,
            NodeName = node,
            Port = 0,
            RootDir = root,
            CrashLoopInitialBackoff = TimeSpan.FromSeconds(2),
            CrashLoopMaxBackoff = TimeSpan.FromSeconds(20),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
            LeaseRenewInterval = TimeSpan.FromSeconds(1),
            SyncFrequency = TimeSpan.FromSeconds(2),
            HousekeepingInterval = TimeSpan.FromSeconds(2),
            ImagePullTimeout = TimeSpan.FromSeconds(30),
        };
        if (configure is not null)
        {
            options = configure(options);
        }
        var env = new KubeletEnvironment(api, options);
        try
        {
            await env.StartKubeletAsync();
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
        return env;
    }

    /// <summary>Starts a kubelet; <paramref name="prepare"/> may set the host's test seams first.</summary>
    public async Task StartKubeletAsync(Action<KubeletHost>? prepare = null)
    {
        Host = KubeletHost.Create(Options, Loggers.Value);
        prepare?.Invoke(Host);
        await Host.StartAsync();
    }

    /// <summary>Stops the kubelet and leaves its containers running (a crash or upgrade).</summary>
    public async Task StopKubeletAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
            Host = null;
        }
    }

    internal NodeAgent Agent => Host!.Agents[0];

    public async Task<Pod> CreatePodAsync(Pod pod)
    {
        pod = pod with
        {
            Metadata = pod.Metadata with { Namespace = pod.Metadata.Namespace ?? "default" },
            Spec = (pod.Spec ?? new PodSpec()) with { NodeName = Node },
        };
        return await Client.CreateAsync(pod);
    }

    public Task<Pod> GetPodAsync(string name, string ns = "default") => Client.GetAsync<Pod>(name, ns);

    public Task<Pod> WaitForPodAsync(string name, Func<Pod, bool> until, string what, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => GetPodAsync(name), until, timeout ?? TimeSpan.FromSeconds(30), $"pod {name}: {what}");

    public Task<Pod> WaitForPhaseAsync(string name, string phase, TimeSpan? timeout = null) =>
        WaitForPodAsync(name, p => p.Status?.Phase == phase, "phase " + phase, timeout);

    public static ContainerStatus? StatusOf(Pod pod, string container) => pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container);

    public static string ContainerId(Pod pod, string container) =>
        StatusOf(pod, container)?.ContainerID?.Replace("docker://", "", StringComparison.Ordinal) ?? throw new InvalidOperationException($"no container id for {container}");

    public Task<IReadOnlyList<string>> ContainersOfPodAsync(string uid) => DockerCli.ListContainersAsync($"{ContainerLabels.PodUid}={uid}");

    public async Task<string> DockerLogsAsync(string id) => (await DockerCli.RunAsync("logs", id)).StandardOutput;

    public async Task<IReadOnlyList<Event>> EventsForAsync(Pod pod)
    {
        var list = await Client.ListAsync<Event>(pod.Metadata.Namespace);
        return [.. list.Items.Where(e => e.InvolvedObject.Uid == pod.Metadata.Uid)];
    }

    public async Task DeletePodAsync(string name, long? grace = null, string ns = "default") =>
        await Client.DeleteAsync<Pod>(name, ns, grace is null ? null : new DeleteOptions { GracePeriodSeconds = grace });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopKubeletAsync();
        }
        finally
        {
            await DockerCli.RemoveContainersWithLabelAsync($"{ContainerLabels.Node}={Node}");
            try
            {
                if (Directory.Exists(Options.RootDir))
                {
                    Directory.Delete(Options.RootDir, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static ILoggerFactory CreateLoggers()
    {
        if (Environment.GetEnvironmentVariable("MINIKUBE_TEST_VERBOSE") is not { Length: > 0 })
        {
            return NullLoggerFactory.Instance;
        }
        var logger = new LoggerConfiguration().MinimumLevel.Debug().MinimumLevel.Override("Microsoft", LogEventLevel.Warning).Enrich.FromLogContext()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext} {Namespace}/{Pod}: {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
        return new SerilogLoggerFactory(logger, dispose: true);
    }
}
