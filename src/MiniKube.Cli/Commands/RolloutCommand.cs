using System.CommandLine;
using MiniKube.Api;
using MiniKube.Rollout;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl rollout status|history|undo|restart|pause|resume deployment/NAME</c>: kubectl's rollout commands, over the
/// client-side logic in <see cref="RolloutOperations"/>.
/// </summary>
public sealed class RolloutCommand(CommandRunner runner)
{
    public Command Build()
    {
        var command = new Command("rollout", "Manage the rollout of one or many resources.");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(History());
        command.Subcommands.Add(Undo());
        command.Subcommands.Add(Simple("restart", "Restart a resource: its pods are replaced, rolling.", (ops, ns, name, ct) => ops.RestartAsync(ns, name, ct)));
        command.Subcommands.Add(Simple("pause", "Mark the provided resource as paused.", (ops, ns, name, ct) => ops.PauseAsync(ns, name, ct)));
        command.Subcommands.Add(Simple("resume", "Resume a paused resource.", (ops, ns, name, ct) => ops.ResumeAsync(ns, name, ct)));
        return command;
    }

    private Command Status()
    {
        var resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
        var watch = new Option<bool>("--watch", "-w") { Description = "Watch the status of the rollout until it's done", DefaultValueFactory = _ => true };
        var timeout = new Option<string>("--timeout") { Description = "The length of time to wait before ending watch, zero means never", DefaultValueFactory = _ => "0s" };
        var command = new Command("status", "Show the status of the rollout.") { resources, watch, timeout };
        runner.Attach(command, async (session, parse) =>
        {
            var (ns, name) = Target(session, parse.GetValue(resources));
            var ops = new RolloutOperations(session.Client);
            try
            {
                if (!parse.GetValue(watch))
                {
                    await session.Out.WriteLineAsync((await ops.StatusAsync(ns, name, session.Token).ConfigureAwait(false)).Message).ConfigureAwait(false);
                    return 0;
                }
                var text = parse.GetValue(timeout) ?? "0s";
                if (!DurationText.TryParse(text, out var limit) || limit < TimeSpan.Zero)
                {
                    throw new CliException($"invalid timeout \"{text}\": use a duration such as 30s, 5m or 0 for none");
                }
                await ops.WaitAsync(ns, name, line => session.Out.WriteLine(line), limit, session.Token).ConfigureAwait(false);
                return 0;
            }
            catch (RolloutException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (TimeoutException ex)
            {
                throw new CliException(ex.Message);
            }
        });
        return command;
    }

    private Command History()
    {
        var resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
        var revision = new Option<long>("--revision") { Description = "See the details, including podTemplate of the revision specified" };
        var command = new Command("history", "View previous rollout revisions and configurations.") { resources, revision };
        runner.Attach(command, async (session, parse) =>
        {
            var (ns, name) = Target(session, parse.GetValue(resources));
            try
            {
                var text = await new RolloutOperations(session.Client).FormatHistoryAsync(ns, name, parse.GetValue(revision), session.Token).ConfigureAwait(false);
                await session.Out.WriteAsync(text).ConfigureAwait(false);
                return 0;
            }
            catch (RolloutException ex)
            {
                throw new CliException(ex.Message);
            }
        });
        return command;
    }

    private Command Undo()
    {
        var resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
        var toRevision = new Option<long>("--to-revision") { Description = "The revision to rollback to. Default to 0 (last revision)." };
        var command = new Command("undo", "Roll back to a previous rollout.") { resources, toRevision };
        runner.Attach(command, (session, parse) => RunAsync(session, parse.GetValue(resources),
            (ops, ns, name, ct) => ops.UndoAsync(ns, name, parse.GetValue(toRevision), ct)));
        return command;
    }

    private Command Simple(string verb, string description, Func<RolloutOperations, string, string, CancellationToken, Task<string>> action)
    {
        var resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
        var command = new Command(verb, description) { resources };
        runner.Attach(command, (session, parse) => RunAsync(session, parse.GetValue(resources), action));
        return command;
    }

    private static async Task<int> RunAsync(CliSession session, string[]? resources,
        Func<RolloutOperations, string, string, CancellationToken, Task<string>> action)
    {
        var (ns, name) = Target(session, resources);
        try
        {
            var line = await action(new RolloutOperations(session.Client), ns, name, session.Token).ConfigureAwait(false);
            await session.Out.WriteLineAsync(line).ConfigureAwait(false);
            return 0;
        }
        catch (RolloutException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    /// <summary>The one Deployment the command is about.</summary>
    internal static (string Namespace, string Name) Target(CliSession session, string[]? resources)
    {
        var requests = ResourceArgs.Parse(resources ?? []);
        var targets = requests.SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
        if (targets.Count != 1)
        {
            throw new CliException("required resource not specified: give exactly one, as TYPE NAME or TYPE/NAME (e.g. deployment/web)");
        }
        var (resource, name) = targets[0];
        if (resource != ResourceRegistry.For<Deployment>())
        {
            throw new CliException($"rollout of {ResourceNames.QualifiedPlural(resource)} is not supported: MiniKube rolls out deployments");
        }
        return (session.Namespace, name);
    }
}
