using System.CommandLine;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl logs [-f] [-c CONTAINER] [--tail N] [--timestamps] [-p] [--since D | --since-time T] POD</c>, relayed by the API server from the pod's kubelet.</summary>
public sealed class LogsCommand(CommandRunner runner)
{
    private readonly Argument<string> _pod = new("POD") { Description = "The pod (or pod/NAME)" };
    private readonly Option<bool> _follow = new("--follow", "-f") { Description = "Specify if the logs should be streamed." };
    private readonly Option<string?> _container = new("--container", "-c") { Description = "Print the logs of this container" };
    private readonly Option<int?> _tail = new("--tail") { Description = "Lines of recent log file to display. Defaults to all lines." };
    private readonly Option<bool> _timestamps = new("--timestamps") { Description = "Include timestamps on each line in the log output" };
    private readonly Option<bool> _previous = new("--previous", "-p") { Description = "Print the logs for the previous instance of the container in a pod if it exists." };
    private readonly Option<string?> _since = new("--since")
    {
        Description = "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.",
    };
    private readonly Option<string?> _sinceTime = new("--since-time")
    {
        Description = "Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.",
    };

    public Command Build()
    {
        var command = new Command("logs", "Print the logs for a container in a pod.") { _pod, _follow, _container, _tail, _timestamps, _previous, _since, _sinceTime };
        runner.Attach(command, async (session, parse) =>
        {
            var pod = PodName(parse.GetValue(_pod)!);
            var request = new PodLogRequest(parse.GetValue(_container), parse.GetValue(_follow), parse.GetValue(_tail), parse.GetValue(_timestamps),
                parse.GetValue(_previous), Since(parse.GetValue(_since)), SinceTime(parse.GetValue(_sinceTime)));
            if (request.Since is not null && request.SinceTime is not null)
            {
                throw new CliException("at most one of `sinceTime` or `sinceSeconds` may be specified");
            }
            await foreach (var chunk in session.Client.StreamLogsAsync(session.Namespace, pod, request, session.Token).ConfigureAwait(false))
            {
                await session.Out.WriteAsync(chunk).ConfigureAwait(false);
                await session.Out.FlushAsync().ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static TimeSpan? Since(string? text)
    {
        if (text is null)
        {
            return null;
        }
        // kubectl's --since is a Go duration: a bare number has no unit and is refused.
        if (!GoDuration.TryParse(text, out var since) || since <= TimeSpan.Zero)
        {
            throw new CliException($"invalid argument \"{text}\" for \"--since\" flag: a positive duration like 5s, 2m or 3h");
        }
        return since;
    }

    private static DateTimeOffset? SinceTime(string? text)
    {
        if (text is null)
        {
            return null;
        }
        return Timestamps.TryParse(text, out var time)
            ? time
            : throw new CliException($"invalid argument \"{text}\" for \"--since-time\" flag: an RFC3339 time like 2026-12-02T10:00:00Z");
    }

    internal static string PodName(string argument)
    {
        var slash = argument.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return argument;
        }
        var kind = argument[..slash];
        if (kind is not ("pod" or "pods" or "po"))
        {
            throw new CliException($"only pods have logs and exec here, not \"{kind}\"");
        }
        return argument[(slash + 1)..];
    }
}

/// <summary>
/// <c>minictl exec [-i] POD [-c CONTAINER] -- COMMAND [ARGS…]</c>: runs a command in a container; its exit code is minictl's.
/// Without <c>-i</c> the command runs non-interactively (60 s at most) and its output is printed at the end; with <c>-i</c>
/// minictl's stdin is fed to the command's (text, UTF-8) and its output streams as it comes, with no time limit.
/// </summary>
public sealed class ExecCommand(CommandRunner runner)
{
    private readonly Option<bool> _stdin = new("--stdin", "-i") { Description = "Pass stdin to the command and stream its output (no time limit)." };
    private readonly Argument<string> _pod = new("POD") { Description = "The pod (or pod/NAME)" };
    private readonly Argument<string[]> _command = new("COMMAND") { Description = "The command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
    private readonly Option<string?> _container = new("--container", "-c") { Description = "Container name. Defaults to the pod's first container." };

    public Command Build()
    {
        var command = new Command("exec", "Execute a command in a container (-i: with stdin).") { _pod, _command, _container, _stdin };
        runner.Attach(command, async (session, parse) =>
        {
            var pod = LogsCommand.PodName(parse.GetValue(_pod)!);
            if (parse.GetValue(_stdin))
            {
                var code = await session.Client.ExecStreamAsync(session.Namespace, pod, parse.GetValue(_container), parse.GetValue(_command)!,
                    ConsoleStreams.Reading(session.Console.In), ConsoleStreams.Writing(session.Out), ConsoleStreams.Writing(session.Err), session.Token)
                    .ConfigureAwait(false);
                if (code != 0)
                {
                    await session.Err.WriteLineAsync($"command terminated with exit code {code}").ConfigureAwait(false);
                }
                return code;
            }
            var result = await session.Client.ExecAsync(session.Namespace, pod, parse.GetValue(_container), parse.GetValue(_command)!, cancellationToken: session.Token)
                .ConfigureAwait(false);
            await session.Out.WriteAsync(result.Stdout).ConfigureAwait(false);
            await session.Err.WriteAsync(result.Stderr).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                await session.Err.WriteLineAsync($"command terminated with exit code {result.ExitCode}").ConfigureAwait(false);
            }
            return result.ExitCode;
        });
        return command;
    }
}
