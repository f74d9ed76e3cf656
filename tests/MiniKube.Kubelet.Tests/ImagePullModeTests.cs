using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// <c>--image-pull-mode=local</c> (the default): the engine is never asked to pull from a registry off this machine, so no
/// image lookup ever leaves it; present images are used whatever the pull policy, absent ones fail with ErrImagePull.
/// </summary>
public sealed class ImagePullModeUnitTests
{
    [Theory]
    [InlineData("busybox", "docker.io", false)]
    [InlineData("minikube/pause:latest", "docker.io", false)]
    [InlineData("library/busybox@sha256:abc", "docker.io", false)]
    [InlineData("quay.io/prometheus/node-exporter:v1", "quay.io", false)]
    [InlineData("registry.example:5000/app", "registry.example:5000", false)]
    [InlineData("localhost/app", "localhost", true)]
    [InlineData("localhost:5000/app:1", "localhost:5000", true)]
    [InlineData("127.0.0.1:1/minikube/x:1", "127.0.0.1:1", true)]
    [InlineData("127.0.0.2:5000/x", "127.0.0.2:5000", true)]
    [InlineData("[::1]:5000/x", "[::1]:5000", true)]
    [InlineData("10.0.0.1:5000/x", "10.0.0.1:5000", false)]
    [InlineData("localhost.example/x", "localhost.example", false)]
    public void Registry_and_loopback_follow_Dockers_reference_rules(string image, string registry, bool loopback)
    {
        Assert.Equal(registry, ImageReference.Registry(image));
        Assert.Equal(loopback, ImageReference.IsOnLoopbackRegistry(image));
    }

    [Theory]
    [InlineData(null, "minikube/busybox")]
    [InlineData(PullPolicy.Always, "minikube/busybox:1.0")]
    [InlineData(PullPolicy.IfNotPresent, "minikube/busybox:1.0")]
    public async Task Local_mode_uses_a_present_image_without_asking_the_engine_to_pull(string? policy, string image)
    {
        var runtime = new ImageOnlyRuntime(present: [image]);
        var images = NewManager(runtime, localOnly: true);
        var (waiting, _) = await images.EnsureAsync(Pod(), new Container { Name = "app", Image = image, ImagePullPolicy = policy }, CancellationToken.None);
        Assert.Null(waiting);
        Assert.Empty(runtime.Pulls);
    }

    [Fact]
    public async Task Local_mode_fails_an_absent_image_with_ErrImagePull_then_ImagePullBackOff_without_a_pull()
    {
        var runtime = new ImageOnlyRuntime(present: []);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var images = NewManager(runtime, localOnly: true, time);
        var container = new Container { Name = "app", Image = "minikube/absent:latest" };

        var (first, retry) = await images.EnsureAsync(Pod(), container, CancellationToken.None);
        Assert.Equal("ErrImagePull", first?.Reason);
        Assert.Equal(ImageManager.NotLocalMessage("minikube/absent:latest"), first?.Message);
        Assert.StartsWith("image \"minikube/absent:latest\" is not present locally and pulls from non-local registries are disabled", first?.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), retry);
        var (second, _) = await images.EnsureAsync(Pod(), container, CancellationToken.None);
        Assert.Equal("ImagePullBackOff", second?.Reason);
        time.Advance(TimeSpan.FromSeconds(11));
        var (third, _) = await images.EnsureAsync(Pod(), container, CancellationToken.None);
        Assert.Equal("ErrImagePull", third?.Reason);
        Assert.Empty(runtime.Pulls);
    }

    [Fact]
    public async Task Local_mode_still_pulls_from_a_loopback_registry_and_registry_mode_pulls_as_the_policy_says()
    {
        var loopback = new ImageOnlyRuntime(present: []);
        await NewManager(loopback, localOnly: true).EnsureAsync(Pod(), new Container { Name = "app", Image = "127.0.0.1:5000/app" }, CancellationToken.None);
        Assert.Equal(["127.0.0.1:5000/app"], loopback.Pulls);

        var registry = new ImageOnlyRuntime(present: ["minikube/busybox"]);
        var (waiting, _) = await NewManager(registry, localOnly: false).EnsureAsync(Pod(), new Container { Name = "app", Image = "minikube/busybox" }, CancellationToken.None);
        Assert.Null(waiting);
        Assert.Equal(["minikube/busybox"], registry.Pulls);
    }

    private static ImageManager NewManager(IContainerRuntime runtime, bool localOnly, TimeProvider? time = null) =>
        new(runtime, events: null, new BackOff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), time ?? TimeProvider.System), localOnly, NullLogger.Instance);

    private static Pod Pod() => new() { Metadata = new ObjectMeta { Name = "p", Namespace = "default", Uid = "uid-1" }, Spec = new PodSpec() };

    /// <summary>An engine with a fixed image store that records pull requests; nothing else is needed by the image manager.</summary>
    private sealed class ImageOnlyRuntime(IReadOnlyCollection<string> present) : IContainerRuntime
    {
        public List<string> Pulls { get; } = [];

        public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) => Task.FromResult(present.Contains(image));

        public Task PullImageAsync(string image, CancellationToken cancellationToken)
        {
            lock (Pulls)
            {
                Pulls.Add(image);
            }
            // A pull that fails, as every pull does here (no registry): policy Always then falls back to the local copy.
            return Task.FromException(new ImagePullException("connection refused"));
        }

        public Task<string> GetVersionAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task StartContainerAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task RemoveContainerAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
        public Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task WriteLogsAsync(string id, LogOptions options, Stream output, CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<RuntimeEvent> WatchEventsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The same on the real engine, through the whole kubelet.</summary>
public sealed class ImagePullModeTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Local_mode_runs_a_present_latest_image_and_fails_an_absent_one_without_pulling()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with { CrashLoopInitialBackoff = TimeSpan.FromSeconds(5) });
        Assert.Equal(ImagePullModes.Local, env.Options.ImagePullMode);
        var present = KubeletEnvironment.Unique("present");
        var absent = KubeletEnvironment.Unique("absent");
        // Both would go to Docker Hub if pulled: ":latest" defaults to imagePullPolicy Always.
        var missing = "minikube/not-built-here-" + Guid.NewGuid().ToString("N")[..8] + ":latest";
        await env.CreatePodAsync(TestObjects.PodWith(present, TestObjects.Shell("app", "sleep 3600") with { Image = "minikube/busybox:latest" }));
        await env.CreatePodAsync(TestObjects.PodWith(absent, new Container { Name = "app", Image = missing }));

        var running = await env.WaitForPhaseAsync(present, PodPhase.Running);
        var presentEvents = await Eventually.WaitAsync(() => env.EventsForAsync(running), e => e.Any(x => x.Reason == "Started"), TimeSpan.FromSeconds(10), "Started event");
        Assert.Contains(presentEvents, e => e.Reason == "Pulled" && e.Message == "Container image \"minikube/busybox:latest\" already present on machine");
        Assert.DoesNotContain(presentEvents, e => e.Reason == "Pulling");

        var seen = new HashSet<string>();
        var waiting = await env.WaitForPodAsync(absent, p =>
        {
            if (KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting is { Reason: { } reason } w)
            {
                seen.Add(reason);
                if (reason == "ErrImagePull")
                {
                    Assert.Equal(ImageManager.NotLocalMessage(missing), w.Message);
                }
            }
            // ErrImagePull is checked through its event below: polled status can miss it on a busy machine, where the
            // kubelet's next sync turns it into ImagePullBackOff before a poll lands (the flake of a loaded clean-clone run).
            return KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting?.Reason == "ImagePullBackOff";
        }, "ImagePullBackOff", TimeSpan.FromSeconds(30));
        Assert.Equal(PodPhase.Pending, waiting.Status!.Phase);
        var events = await Eventually.WaitAsync(() => env.EventsForAsync(waiting), e => e.Any(x => x.Message == "Error: ErrImagePull"), TimeSpan.FromSeconds(10), "pull events");
        Assert.Contains(events, e => e.Reason == "Failed" && e.Message == $"Failed to pull image \"{missing}\": {ImageManager.NotLocalMessage(missing)}");
        // "Pulling" precedes every request to the engine to pull.
        Assert.DoesNotContain(events, e => e.Reason == "Pulling");
    }
}
