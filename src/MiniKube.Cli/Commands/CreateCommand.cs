using System.CommandLine;
using MiniKube.Api;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl create -f FILE|DIR|-</c>: decode every document first; create nothing if any is invalid.</summary>
public sealed class CreateCommand(CommandRunner runner)
{
    private readonly Option<string[]> _files = CommonOptions.Filenames("create");
    private readonly Option<bool> _recursive = CommonOptions.Recursive();
    private readonly Option<string?> _dryRun = CommonOptions.DryRun();
    private readonly Option<string?> _output = CommonOptions.Output("json, yaml, name");

    public Command Build()
    {
        var command = new Command("create", "Create a resource from a file or from stdin.\n\nJSON and YAML formats are accepted.")
        {
            _files, _recursive, _dryRun, _output,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var paths = parse.GetValue(_files) ?? [];
        if (paths.Length == 0)
        {
            throw new CliException("must specify one of -f and -k");
        }
        var dryRun = DryRunModes.Parse(parse, _dryRun);
        var output = OutputFormat.Parse(parse.GetValue(_output), OutputKind.Json, OutputKind.Yaml, OutputKind.Name);
        var batch = ManifestObjects.Read(session, paths, parse.GetValue(_recursive), "create");
        var failed = batch.Failed;
        var created = new List<KubeObject>();
        foreach (var item in batch.Objects)
        {
            KubeObject result;
            try
            {
                result = dryRun == DryRunMode.Client
                    ? item.Object
                    : await session.Client.CreateAsync(item.Object, dryRun == DryRunMode.Server, session.Token).ConfigureAwait(false);
            }
            catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
            {
                await session.Err.WriteLineAsync(ErrorFormatter.Format(ex, "creating", item.Source)).ConfigureAwait(false);
                failed = true;
                continue;
            }
            if (output == OutputKind.Table)
            {
                await session.Out.WriteLineAsync($"{ResourceNames.Reference(result)} created{DryRunModes.Suffix(dryRun)}").ConfigureAwait(false);
            }
            else
            {
                created.Add(result);
            }
        }
        if (output != OutputKind.Table && created.Count > 0)
        {
            await session.Out.WriteAsync(ObjectPrinter.Format(output, created, single: created.Count == 1)).ConfigureAwait(false);
        }
        return failed ? CommandRunner.Failure : 0;
    }
}
