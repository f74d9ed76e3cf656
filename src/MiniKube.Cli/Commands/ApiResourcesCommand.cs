using System.CommandLine;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl api-resources</c>: the server's resource types from discovery, sorted by group then name.</summary>
public sealed class ApiResourcesCommand(CommandRunner runner)
{
    private readonly Option<string?> _output = CommonOptions.Output("wide, name");
    private readonly Option<bool?> _namespaced = new("--namespaced") { Description = "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default" };
    private readonly Option<bool> _noHeaders = new("--no-headers") { Description = "When using the default or custom-column output format, don't print headers (default print headers)" };
    private readonly Option<string?> _apiGroup = new("--api-group") { Description = "Limit to resources in the specified API group" };

    public Command Build()
    {
        var command = new Command("api-resources", "Print the supported API resources on the server.")
        {
            _output, _namespaced, _noHeaders, _apiGroup,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var output = OutputFormat.Parse(parse.GetValue(_output), OutputKind.Wide, OutputKind.Name);
        var namespaced = parse.GetValue(_namespaced);
        var group = parse.GetValue(_apiGroup);
        var resources = (await session.Client.DiscoverAsync(session.Token).ConfigureAwait(false))
            .Where(r => namespaced is null || r.Namespaced == namespaced)
            .Where(r => group is null || r.Group == group)
            .OrderBy(r => r.Group, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        if (output == OutputKind.Name)
        {
            foreach (var r in resources)
            {
                await session.Out.WriteLineAsync(r.Group.Length == 0 ? r.Name : r.Name + "." + r.Group).ConfigureAwait(false);
            }
            return 0;
        }
        var table = new TextTable();
        var wide = output == OutputKind.Wide;
        if (!parse.GetValue(_noHeaders))
        {
            table.AddRow(wide ? ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS"] : ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
        }
        foreach (var r in resources)
        {
            var apiVersion = r.Group.Length == 0 ? r.Version : r.Group + "/" + r.Version;
            var row = new List<string> { r.Name, string.Join(",", r.ShortNames), apiVersion, r.Namespaced ? "true" : "false", r.Kind };
            if (wide)
            {
                row.Add("[" + string.Join(" ", r.Verbs.Order(StringComparer.Ordinal)) + "]");
            }
            table.AddRow(row);
        }
        await session.Out.WriteAsync(table.ToString()).ConfigureAwait(false);
        return 0;
    }
}
