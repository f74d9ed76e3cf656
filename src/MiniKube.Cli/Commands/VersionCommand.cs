using System.CommandLine;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl version</c>: the client version and the Kubernetes version the API server implements.
/// </summary>
public sealed class VersionCommand(CommandRunner runner)
{
    public const string ClientVersion = "v1.32.0-minikube";

    private readonly Option<bool> _client = new("--client") { Description = "If true, shows client version only (no server required)" };

    public Command Build()
    {
        var command = new Command("version", "Print the client version and check the server") { _client };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        await session.Out.WriteLineAsync("Client Version: " + ClientVersion).ConfigureAwait(false);
        if (parse.GetValue(_client))
        {
            return 0;
        }
        var version = await session.Client.GetVersionAsync(session.Token).ConfigureAwait(false);
        await session.Out.WriteLineAsync("Server Version: " + version.GitVersion).ConfigureAwait(false);
        return 0;
    }
}
