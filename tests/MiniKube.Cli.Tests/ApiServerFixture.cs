using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>One real API server (over the shared etcd) per test class; tests isolate themselves in fresh namespaces.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private TestApiServer? _server;

    public TestApiServer Server => _server ?? throw new InvalidOperationException("not started");

    public MiniKubeClient Client => Server.Client;

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public Minictl Cli(TimeProvider? clock = null) => new(Server.GrpcAddress, clock);

    /// <summary>A new, empty namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Unique.Id();
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }
}

public static class Unique
{
    public static string Id() => Guid.NewGuid().ToString("N")[..8];
}

/// <summary>Small builders for test objects.</summary>
public static class Objects
{
    public static Pod Pod(string name, string ns, IReadOnlyDictionary<string, string>? labels = null, string image = "busybox") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Spec = new PodSpec { Containers = [new Container { Name = "main", Image = image }] },
    };

    public static ConfigMap ConfigMap(string name, string ns, int entries) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Data = Enumerable.Range(0, entries).ToDictionary(i => "k" + i, i => "v" + i),
    };

    /// <summary>A clock <paramref name="after"/> past the newest creation time of <paramref name="objects"/>.</summary>
    public static FixedClock ClockAfter(TimeSpan after, params KubeObject[] objects) =>
        new(objects.Max(o => o.Metadata.CreationTimestamp!.Value) + after);

}

/// <summary>A fresh temporary directory, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "minictl-tests-" + Unique.Id());
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public static implicit operator string(TempDirectory directory) => directory.Path;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
