namespace MiniKube.ApiServer;

/// <summary>
/// Warnings that admission returns with a successful (or failed) response, as Kubernetes' <c>Warning: 299 - "…"</c> header
/// does: on REST that header (kubectl prints <c>Warning: …</c>), on gRPC a <c>warning</c> trailer per warning (minictl prints
/// the same). Added through the request's HttpContext, which both wires share, so the API's semantics stay wire-free.
/// </summary>
internal static class AdmissionWarnings
{
    public const string GrpcTrailer = "warning";

    public static void Add(HttpContext? http, string text)
    {
        if (http is null || http.Response.HasStarted)
        {
            return;
        }
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            http.Response.AppendTrailer(GrpcTrailer, Ascii(text));
            return;
        }
        http.Response.Headers.Append("Warning", Header(text));
    }

    /// <summary>RFC 7234's warn-code 299 ("miscellaneous persistent warning") with no agent, as Kubernetes writes it.</summary>
    public static string Header(string text) => $"299 - \"{Ascii(text).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    // Header and trailer values are ASCII on both wires.
    private static string Ascii(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c : '?'));
}
