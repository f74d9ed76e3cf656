using Grpc.Core;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Cli;

/// <summary>Renders API errors the way kubectl does.</summary>
public static class ErrorFormatter
{
    /// <summary>True when the server was never reached (as opposed to a server that answered with an error).</summary>
    public static bool IsConnectionFailure(ApiException ex) => CallFailures.IsConnectionFailure(ex);

    /// <summary>True when the call ended because the caller cancelled it (Ctrl-C or --request-timeout).</summary>
    public static bool IsCancellation(ApiException ex) => CallFailures.IsCancellation(ex);

    /// <summary><c>Unable to connect to the server: …</c> for a server that cannot be reached.</summary>
    public static string ConnectionFailure(ApiException ex, string server)
    {
        var rpc = (RpcException)ex.InnerException!;
        var cause = Innermost(rpc.Status.DebugException)?.Message;
        var detail = string.IsNullOrWhiteSpace(cause) ? rpc.Status.Detail : cause;
        return $"Unable to connect to the server: {server}: {detail.TrimEnd('.')} (is minikube-apiserver running? set --server or MINIKUBE_SERVER)";
    }

    /// <summary>
    /// <c>Error from server (NotFound): pods "web" not found</c>, or for Invalid
    /// <c>The Pod "web" is invalid: spec.containers[0].image: Required value</c> (several causes as a <c>* </c> list).
    /// With a <paramref name="source"/> file the message says which one: <c>error when creating "pod.yaml": …</c>.
    /// </summary>
    public static string Format(ApiException ex, string? verb = null, string? source = null)
    {
        var status = ex.Status;
        if (ex.IsInvalid && status.Details is { } details)
        {
            var head = !string.IsNullOrEmpty(details.Kind) || !string.IsNullOrEmpty(details.Name)
                ? $"The {details.Kind} \"{details.Name}\" is invalid"
                : "The request is invalid";
            var causes = details.Causes ?? [];
            return causes.Count switch
            {
                0 => string.IsNullOrEmpty(details.Kind) && string.IsNullOrEmpty(details.Name) && !string.IsNullOrEmpty(status.Message)
                    ? head + ": " + status.Message
                    : head,
                1 => head + ": " + Cause(causes[0]),
                _ => head + ": \n" + string.Join("\n", causes.Select(c => "* " + Cause(c))),
            };
        }
        if (status.Code == 401)
        {
            return $"error: You must be logged in to the server ({status.Message ?? StatusReasons.Unauthorized})";
        }
        var message = status.Message ?? ex.Message;
        if (!string.IsNullOrEmpty(source) && !string.IsNullOrEmpty(verb))
        {
            message = $"error when {verb} \"{source}\": {message}";
        }
        return string.IsNullOrEmpty(status.Reason) || status.Reason == "Unknown"
            ? "Error from server: " + message
            : $"Error from server ({status.Reason}): {message}";
    }

    private static string Cause(StatusCause cause) =>
        string.IsNullOrEmpty(cause.Field) ? cause.Message ?? "" : $"{cause.Field}: {cause.Message}";

    private static Exception? Innermost(Exception? ex)
    {
        while (ex?.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }
}
