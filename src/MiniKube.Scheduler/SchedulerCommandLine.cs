using System.CommandLine;
using MiniKube.Client;
using MiniKube.Hosting;
using MiniKube.Scheduler.Config;
using Serilog.Events;

namespace MiniKube.Scheduler;

/// <summary>
/// The scheduler's flags and their translation into <see cref="SchedulerOptions"/> and the <see cref="SchedulerConfiguration"/>
/// its <c>--config</c> file gives; problems come back as one line each.
/// </summary>
public static class SchedulerCommandLine
{
    public const string Name = "minikube-scheduler";

    private static readonly SchedulerOptions Defaults = new();
    private static readonly Option<string?> Server = new("--server") { Description = $"API server gRPC address (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
    private static readonly ClientCredentialFlags Credentials = new();
    private static readonly Option<string?> Config = new("--config") { Description = "KubeSchedulerConfiguration file (profiles, plugins, percentageOfNodesToScore)" };
    private static readonly Option<int> BindParallelism = new("--bind-parallelism") { Description = "Binding API calls in flight at once", DefaultValueFactory = _ => Defaults.BindParallelism };
    private static readonly LeaderElectionFlags LeaderElection = new(SchedulerOptions.DefaultLeaseName);
    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Debug logging (the same as --log-level Debug)" };
    private static readonly Option<string> LogLevel = new("--log-level") { Description = string.Join(", ", ComponentLogging.LevelNames), DefaultValueFactory = _ => "Information" };

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("minikube-scheduler: assigns pending pods to nodes (filter and score plugins, binding through the API server)")
        {
            Server, Config, BindParallelism, Verbose, LogLevel,
        };
        foreach (var option in LeaderElection.All.Concat(Credentials.All))
        {
            root.Options.Add(option);
        }
        return root;
    }

    /// <summary>The level to log at: Debug with <c>--verbose</c>, else <c>--log-level</c>.</summary>
    public static LogEventLevel GetLogLevel(ParseResult parse) =>
        parse.GetValue(Verbose) ? LogEventLevel.Debug
        : ComponentLogging.TryParseLevel(parse.GetValue(LogLevel), out var level) ? level : LogEventLevel.Information;

    /// <summary>
    /// Options and configuration from a parse; the problems (each one line, saying what to set) when the flags do not make
    /// sense or the <c>--config</c> file does not decode (each of its problems with its path in the file).
    /// </summary>
    public static (SchedulerOptions? Options, SchedulerConfiguration? Configuration, IReadOnlyList<string> Problems) ToOptions(ParseResult parse)
    {
        var problems = new List<string>();
        var options = new SchedulerOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(Server)),
            Credentials = Credentials.Bind(parse, problems),
            ConfigFile = parse.GetValue(Config),
            BindParallelism = parse.GetValue(BindParallelism),
            LeaderElection = LeaderElection.Bind(parse, problems),
        };
        if (ComponentLogging.LevelProblem(parse.GetValue(LogLevel)) is { } levelProblem)
        {
            problems.Add(levelProblem);
        }
        if (problems.Count == 0)
        {
            problems.AddRange(options.Validate());
        }
        if (problems.Count > 0)
        {
            return (null, null, problems);
        }
        try
        {
            return (options, SchedulerConfigLoader.Load(options.ConfigFile), problems);
        }
        catch (SchedulerConfigException ex)
        {
            // One line with every problem of the file, each with its path in it.
            problems.Add($"--config {options.ConfigFile}: {ex.Message}");
            return (null, null, problems);
        }
    }
}
