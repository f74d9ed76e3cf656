namespace MiniKube.Cli;

/// <summary>What minictl reads from and writes to: the process's console, or buffers in tests.</summary>
public sealed class CliConsole(TextWriter output, TextWriter error, TextReader input, Func<string, string?> environment, TimeProvider time)
{
    public TextWriter Out { get; } = output;

    public TextWriter Err { get; } = error;

    public TextReader In { get; } = input;

    public Func<string, string?> Environment { get; } = environment;

    public TimeProvider Time { get; } = time;

    /// <summary>True when <see cref="Out"/> is an interactive terminal (live progress views); false for pipes, files and tests.</summary>
    public bool OutputIsTerminal { get; init; }
}
