using MiniKube.Cluster;
using Spectre.Console;

namespace MiniKube.Cli.ClusterView;

/// <summary>
/// How cluster commands show progress and tables: live (Spectre.Console) when stdout is a terminal, plain lines otherwise
/// (pipes, logs, CI, tests, <c>TERM=dumb</c>, <c>NO_COLOR</c> keeps the live view but without colour).
/// </summary>
public sealed class ClusterConsole(CliConsole console)
{
    public bool Live { get; } = console.OutputIsTerminal && console.Environment("TERM") is not "dumb";

    public TextWriter Out => console.Out;

    public IAnsiConsole Ansi => _ansi ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Yes,
        ColorSystem = console.Environment("NO_COLOR") is { Length: > 0 } ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Yes,
        Out = new AnsiConsoleOutput(console.Out),
    });

    private IAnsiConsole? _ansi;

    /// <summary>Runs <paramref name="work"/> with a progress view suited to the output.</summary>
    public Task<T> WithProgressAsync<T>(int stepWidth, Func<IClusterProgress, Task<T>> work) =>
        Live ? SpectreProgress.RunAsync(Ansi, stepWidth, work) : work(new PlainProgress(console.Out));
}
