using System.CommandLine;

namespace MiniKube.Hosting;

/// <summary>
/// How every MiniKube process starts: flags System.CommandLine cannot parse, and options that do not validate, end the
/// process with one line on stderr (<c>minikube-scheduler: --config: file "x" does not exist</c>) and exit code 2.
/// </summary>
public static class ComponentMain
{
    /// <summary>The exit code of a process started with flags that do not make sense.</summary>
    public const int MisconfiguredExitCode = 2;

    /// <summary>Parses <paramref name="args"/> for <paramref name="root"/> and runs its action, or reports the first parse error.</summary>
    public static Task<int> RunAsync(string name, RootCommand root, string[] args, InvocationConfiguration? configuration = null)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"{name}: {parsed.Errors[0].Message} (see --help)");
            return Task.FromResult(MisconfiguredExitCode);
        }
        return RunTrimmedAsync(parsed, configuration);
    }

    /// <summary>Runs the component with an <see cref="IdleMemoryTrimmer"/>: every MiniKube process gives memory back when it goes idle.</summary>
    private static async Task<int> RunTrimmedAsync(ParseResult parsed, InvocationConfiguration? configuration)
    {
        using var trimmer = IdleMemoryTrimmer.ForProcess();
        return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>Reports the first of <paramref name="problems"/> (each names the flag to fix) and gives the exit code.</summary>
    public static int Misconfigured(string name, IReadOnlyList<string> problems)
    {
        Console.Error.WriteLine($"{name}: {(problems.Count > 0 ? problems[0] : "invalid flags")}");
        return MisconfiguredExitCode;
    }
}
