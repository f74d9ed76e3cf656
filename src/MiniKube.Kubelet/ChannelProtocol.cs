using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>
/// Kubernetes' WebSocket channel protocol for exec and attach (<c>v5.channel.k8s.io</c>; v4 without the close message):
/// every binary message starts with its channel byte — 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 TTY resize
/// (<c>{"Width":80,"Height":24}</c>) — and in v5 the message <c>[255, channel]</c> closes a channel (the client ends stdin
/// with <c>[255, 0]</c>). The kubelet serves it; the API server relays it to kubectl.
/// </summary>
public static class ChannelProtocol
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";

    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;
    public const byte Error = 3;
    public const byte Resize = 4;
    public const byte Close = 255;

    /// <summary>The channel-3 Status: Success, or the exit code as a <c>NonZeroExitCode</c> reason with an <c>ExitCode</c> cause (kubectl exits with it).</summary>
    public static byte[] ExitStatus(IReadOnlyList<string> command, int? exitCode)
    {
        if (exitCode is null or 0)
        {
            return KubeSerializer.ToJsonBytes(new Status { Outcome = "Success" });
        }
        var code = exitCode.Value.ToString(CultureInfo.InvariantCulture);
        return KubeSerializer.ToJsonBytes(new Status
        {
            Outcome = "Failure",
            Message = $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {code}",
            Reason = "NonZeroExitCode",
            Details = new StatusDetails { Causes = [new StatusCause { Reason = "ExitCode", Message = code }] },
        });
    }

    /// <summary>A failure that is not the command's own (it could not start): kubectl prints the message and exits 1.</summary>
    public static byte[] FailureStatus(string message) =>
        KubeSerializer.ToJsonBytes(new Status { Outcome = "Failure", Message = message, Reason = "InternalError", Code = 500 });
}
