using System.CommandLine;
using System.CommandLine.Help;
using MiniKube.Cli.Commands;

namespace MiniKube.Cli;

/// <summary>
/// minictl, the kubectl-like command line of MiniKube. Output, error, input, environment and clock are injected so
/// the whole tool can run in-process (tests capture what it prints).
/// </summary>
public sealed class MinictlApp
{
    private readonly CliConsole _console;

    public MinictlApp(TextWriter output, TextWriter error, Func<string, string?> environment, TextReader? input = null, TimeProvider? time = null,
        bool outputIsTerminal = false)
    {
        _console = new CliConsole(output, error, input ?? TextReader.Null, environment, time ?? TimeProvider.System) { OutputIsTerminal = outputIsTerminal };
    }

    /// <summary>Ctrl-C / SIGTERM cancel the running command (for the real process; tests cancel through the token).</summary>
    public bool HandleProcessTermination { get; init; }

    public const string Name = "minictl";

    public Command BuildCommand()
    {
        var global = new GlobalOptions();
        var runner = new CommandRunner(_console, global);
        // Named explicitly (a RootCommand takes the executable's name, "testhost" when hosted in tests); versions are
        // reported by the `version` command, as in kubectl, so there is no --version flag.
        var root = new Command(Name, "minictl controls the MiniKube cluster manager.\n\nFind more information in docs/ of the MiniKube repository.")
        {
            new HelpOption(),
        };
        global.AddTo(root);
        root.Subcommands.Add(new CreateCommand(runner).Build());
        root.Subcommands.Add(new ApplyCommand(runner).Build());
        root.Subcommands.Add(new GetCommand(runner).Build());
        root.Subcommands.Add(new DescribeCommand(runner).Build());
        root.Subcommands.Add(new DeleteCommand(runner).Build());
        root.Subcommands.Add(new PatchCommand(runner).Build());
        root.Subcommands.Add(new ScaleCommand(runner).Build());
        root.Subcommands.Add(new ExposeCommand(runner).Build());
        root.Subcommands.Add(new AutoscaleCommand(runner).Build());
        root.Subcommands.Add(new TopCommand(runner).Build());
        root.Subcommands.Add(new LogsCommand(runner).Build());
        root.Subcommands.Add(new ExecCommand(runner).Build());
        root.Subcommands.Add(new SetCommand(runner).Build());
        root.Subcommands.Add(new RolloutCommand(runner).Build());
        root.Subcommands.Add(new ApiResourcesCommand(runner).Build());
        root.Subcommands.Add(new AuthCommand(runner).Build());
        root.Subcommands.Add(new VersionCommand(runner).Build());
        root.Subcommands.Add(new ClusterCommand(runner).Build());
        root.Subcommands.Add(new DashboardCommand(runner).Build());
        return root;
    }

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new InvocationConfiguration
        {
            Output = _console.Out,
            Error = _console.Err,
            ProcessTerminationTimeout = HandleProcessTermination ? TimeSpan.FromSeconds(2) : null,
        };
        return BuildCommand().Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
