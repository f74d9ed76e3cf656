namespace MiniKube.Cli.Tests;

/// <summary>A clock that always reads <paramref name="now"/>, so AGE columns are exact.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
