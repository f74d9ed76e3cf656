using static MiniKube.Api.Validator;

namespace MiniKube.Api;

/// <summary>A container's probes and lifecycle hooks: one handler each, and its exec / HTTP / TCP details.</summary>
internal static class ProbeValidation
{
    private static readonly string[] ProbeSchemes = ["HTTP", "HTTPS"];

    internal static void ValidateProbe(Probe probe, string path, bool mustSucceedOnce, List<FieldError> errs)
    {
        var handlers = SharedHandlers(probe.Exec, probe.HttpGet, probe.TcpSocket, path, errs);
        if (probe.Grpc is not null)
        {
            handlers.Add("grpc");
            PortNumber(probe.Grpc.Port, Paths.Child(path, "grpc.port"), errs);
        }
        HandlerCount(handlers, path, errs);

        NonNegativeField(probe.InitialDelaySeconds, Paths.Child(path, "initialDelaySeconds"), errs);
        AtLeastField(probe.TimeoutSeconds, 1, Paths.Child(path, "timeoutSeconds"), errs);
        AtLeastField(probe.PeriodSeconds, 1, Paths.Child(path, "periodSeconds"), errs);
        AtLeastField(probe.SuccessThreshold, 1, Paths.Child(path, "successThreshold"), errs);
        AtLeastField(probe.FailureThreshold, 1, Paths.Child(path, "failureThreshold"), errs);
        // A liveness or startup probe that needed several successes would never "recover" a container.
        if (mustSucceedOnce && probe.SuccessThreshold is { } st and not 1)
        {
            errs.Add(FieldError.Invalid(Paths.Child(path, "successThreshold"), st, "must be 1"));
        }
        if (probe.TerminationGracePeriodSeconds is { } grace)
        {
            if (!mustSucceedOnce)
            {
                errs.Add(FieldError.Forbidden(Paths.Child(path, "terminationGracePeriodSeconds"), "must not be set for readinessProbes"));
            }
            else if (grace <= 0)
            {
                errs.Add(FieldError.Invalid(Paths.Child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"));
            }
        }
    }

    /// <summary>The handlers probes and lifecycle hooks have in common, validated; the names of those set.</summary>
    private static List<string> SharedHandlers(ExecAction? exec, HttpGetAction? httpGet, TcpSocketAction? tcpSocket, string path, List<FieldError> errs)
    {
        var handlers = new List<string>();
        if (exec is not null)
        {
            handlers.Add("exec");
            ValidateExec(exec, Paths.Child(path, "exec"), errs);
        }
        if (httpGet is not null)
        {
            handlers.Add("httpGet");
            ValidateHttpGet(httpGet, Paths.Child(path, "httpGet"), errs);
        }
        if (tcpSocket is not null)
        {
            handlers.Add("tcpSocket");
            PortNumberOrName(tcpSocket.Port, Paths.Child(path, "tcpSocket.port"), errs);
        }
        return handlers;
    }

    internal static void ValidateLifecycleHandler(LifecycleHandler handler, string path, List<FieldError> errs)
    {
        var handlers = SharedHandlers(handler.Exec, handler.HttpGet, handler.TcpSocket, path, errs);
        if (handler.Sleep is not null)
        {
            handlers.Add("sleep");
            NonNegativeField(handler.Sleep.Seconds, Paths.Child(path, "sleep.seconds"), errs);
        }
        HandlerCount(handlers, path, errs);
    }

    private static void HandlerCount(List<string> handlers, string path, List<FieldError> errs)
    {
        if (handlers.Count == 0)
        {
            errs.Add(FieldError.Required(path, "must specify a handler type"));
        }
        foreach (var extra in handlers.Skip(1))
        {
            errs.Add(FieldError.Forbidden(Paths.Child(path, extra), "may not specify more than 1 handler type"));
        }
    }

    private static void ValidateExec(ExecAction exec, string path, List<FieldError> errs)
    {
        if (exec.Command is null || exec.Command.Count == 0)
        {
            errs.Add(FieldError.Required(Paths.Child(path, "command")));
        }
    }

    private static void ValidateHttpGet(HttpGetAction get, string path, List<FieldError> errs)
    {
        PortNumberOrName(get.Port, Paths.Child(path, "port"), errs);
        OneOf(get.Scheme, Paths.Child(path, "scheme"), ProbeSchemes, errs);
        var headers = get.HttpHeaders ?? [];
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.IsNullOrEmpty(headers[i].Name) || headers[i].Name.Any(c => c <= ' ' || c == ':' || c > '~'))
            {
                errs.Add(FieldError.Invalid(Paths.Child(Paths.Index(Paths.Child(path, "httpHeaders"), i), "name"), headers[i].Name, "a valid HTTP header must consist of alphanumeric characters or '-'"));
            }
        }
    }
}
