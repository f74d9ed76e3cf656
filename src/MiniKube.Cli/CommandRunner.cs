using System.CommandLine;
using MiniKube.Api;
using MiniKube.Cluster;

namespace MiniKube.Cli;

/// <summary>
/// Runs a command's body in a <see cref="CliSession"/> and turns every failure into one line on stderr and
/// a non-zero exit code, the way kubectl reports them.
/// </summary>
public sealed class CommandRunner(CliConsole console, GlobalOptions global)
{
    public const int Failure = 1;
    public const int Interrupted = 130;

    public CliConsole Console { get; } = console;

    public void Attach(Command command, Func<CliSession, ParseResult, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));

    public async Task<int> RunAsync(ParseResult parse, Func<CliSession, ParseResult, Task<int>> body, CancellationToken cancellationToken)
    {
        CliSession session;
        try
        {
            session = new CliSession(Console, global, parse, cancellationToken);
        }
        catch (CliException ex)
        {
            await Console.Err.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return Failure;
        }
        using (session)
        {
            try
            {
                return await body(session, parse).ConfigureAwait(false);
            }
            catch (Exception) when (session.CancelledByCaller)
            {
                // Ctrl-C: whatever the interrupted call threw is a consequence of it.
                return Interrupted;
            }
            catch (Exception) when (session.TimedOut)
            {
                session.Error($"the server did not answer within {FormatTimeout(session.RequestTimeout)} (--request-timeout)");
            }
            catch (Exception ex) when (ex is CliException or ClusterException)
            {
                session.Error(ex.Message);
            }
            catch (ApiException ex) when (ErrorFormatter.IsConnectionFailure(ex))
            {
                await session.Err.WriteLineAsync(ErrorFormatter.ConnectionFailure(ex, session.Server)).ConfigureAwait(false);
            }
            catch (ApiException ex)
            {
                await session.Err.WriteLineAsync(ErrorFormatter.Format(ex)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DecodeException or IOException or UnauthorizedAccessException or FormatException)
            {
                session.Error(ex.Message);
            }
            return Failure;
        }
    }

    /// <summary>
    /// An error about one object that a multi-object command reports and moves past (as opposed to an unreachable
    /// server or an interrupted command, which end it).
    /// </summary>
    public static bool IsPerObjectError(ApiException ex, CliSession session) =>
        !ErrorFormatter.IsConnectionFailure(ex) && !IsCancellation(ex) && !session.Token.IsCancellationRequested;

    public static bool IsCancellation(Exception ex) =>
        ex is OperationCanceledException || (ex is ApiException api && ErrorFormatter.IsCancellation(api));

    private static string FormatTimeout(TimeSpan? timeout) =>
        timeout is { } t ? MiniKube.Printing.HumanDuration.Format(t) : "the request timeout";
}
