using Xunit;

namespace MiniKube.Testing;

/// <summary>
/// A fact that needs a reachable Docker daemon. It is skipped, with the reason, where there is none —
/// except under ./test.sh (<see cref="DockerCli.RequireDockerVariable"/>=1), which guarantees Docker,
/// so a broken daemon there fails loudly instead of silently skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(DockerCli.RequireDockerVariable) != "1" && DockerCli.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The theory counterpart of <see cref="DockerFactAttribute"/>: skipped without Docker, except under ./test.sh.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable(DockerCli.RequireDockerVariable) != "1" && DockerCli.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
