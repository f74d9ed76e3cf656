using System.CommandLine;
using MiniKube.Rollout;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl set image deployment/NAME CONTAINER=IMAGE …</c> (<c>*=IMAGE</c> sets every container).</summary>
public sealed class SetCommand(CommandRunner runner)
{
    public Command Build()
    {
        var command = new Command("set", "Configure application resources.");
        var args = new Argument<string[]>("args") { Description = "TYPE NAME or TYPE/NAME, then CONTAINER=IMAGE pairs", Arity = ArgumentArity.OneOrMore };
        var image = new Command("image", "Update the image of a pod template.") { args };
        runner.Attach(image, async (session, parse) =>
        {
            var all = parse.GetValue(args) ?? [];
            var pairs = all.Where(a => a.Contains('=')).ToList();
            var resources = all.Where(a => !a.Contains('=')).ToArray();
            if (pairs.Count == 0)
            {
                throw new CliException("at least one image update is required");
            }
            var images = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in pairs)
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || eq == pair.Length - 1)
                {
                    throw new CliException($"invalid image update \"{pair}\": use CONTAINER=IMAGE");
                }
                images[pair[..eq]] = pair[(eq + 1)..];
            }
            var (ns, name) = RolloutCommand.Target(session, resources);
            try
            {
                var line = await new RolloutOperations(session.Client).SetImageAsync(ns, name, images, session.Token).ConfigureAwait(false);
                await session.Out.WriteLineAsync(line).ConfigureAwait(false);
                return 0;
            }
            catch (RolloutException ex)
            {
                throw new CliException(ex.Message);
            }
        });
        command.Subcommands.Add(image);
        return command;
    }
}
