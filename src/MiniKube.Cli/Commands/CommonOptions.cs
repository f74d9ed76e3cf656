using System.CommandLine;

namespace MiniKube.Cli.Commands;

/// <summary>Factories for the flags several commands share, so each command gets its own instances.</summary>
public static class CommonOptions
{
    public static Option<string[]> Filenames(string verb) => new("--filename", "-f")
    {
        Description = $"Filename, directory, or - for stdin, of the manifests to {verb} (repeatable)",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    public static Option<bool> Recursive() => new("--recursive", "-R")
    {
        Description = "Process the directory used in -f, --filename recursively",
    };

    public static Option<string?> Output(string formats) => new("--output", "-o")
    {
        Description = $"Output format. One of: ({formats})",
    };

    public static Option<string?> Selector() => new("--selector", "-l")
    {
        Description = "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin' and 'exists' (e.g. -l key1=value1,key2=value2)",
    };

    public static Option<string?> FieldSelector() => new("--field-selector")
    {
        Description = "Selector (field query) to filter on, supports '=', '==', and '!=' (e.g. --field-selector key1=value1,key2=value2)",
    };

    public static Option<bool> AllNamespaces(string verb) => new("--all-namespaces", "-A")
    {
        Description = $"If present, {verb} the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace",
    };

    public static Option<string?> DryRun() => new("--dry-run")
    {
        Description = "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// The variadic resource arguments. Tokens that look like flags are refused, so a mistyped flag is reported
    /// as one instead of being taken for a resource name.
    /// </summary>
    public static Argument<string[]> Resources(string description)
    {
        var argument = new Argument<string[]>("resources")
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrMore,
            DefaultValueFactory = _ => [],
        };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value.StartsWith('-'))
                {
                    result.AddError($"Unrecognized command or argument '{token.Value}'.");
                }
            }
        });
        return argument;
    }
}

/// <summary>Values of <c>--dry-run</c>.</summary>
public enum DryRunMode
{
    None,
    Client,
    Server,
}

public static class DryRunModes
{
    public static DryRunMode Parse(System.CommandLine.ParseResult parse, Option<string?> option)
    {
        if (parse.GetResult(option) is not { Implicit: false })
        {
            return DryRunMode.None;
        }
        return parse.GetValue(option) switch
        {
            null or "" or "client" or "true" => DryRunMode.Client,
            "server" => DryRunMode.Server,
            "none" or "false" => DryRunMode.None,
            var other => throw new CliException($"Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."),
        };
    }

    /// <summary>The suffix kubectl appends to result lines: <c> (dry run)</c>, <c> (server dry run)</c>.</summary>
    public static string Suffix(DryRunMode mode) => mode switch
    {
        DryRunMode.Client => " (dry run)",
        DryRunMode.Server => " (server dry run)",
        _ => "",
    };
}
