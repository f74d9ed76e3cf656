using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>minictl against the fixture's API server.</summary>
public static class ApiServerFixtureExtensions
{
    public static Minictl Cli(this ApiServerFixture fixture, TimeProvider? clock = null) => new(fixture.Server.GrpcAddress, clock);
}

public static class Unique
{
    public static string Id() => Guid.NewGuid().ToString("N")[..8];
}

/// <summary>Clocks for age columns.</summary>
public static class Clocks
{
    /// <summary>A clock <paramref name="after"/> past the newest creation time of <paramref name="objects"/>.</summary>
    public static FixedClock After(TimeSpan after, params KubeObject[] objects) =>
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
