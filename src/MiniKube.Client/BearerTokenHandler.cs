using System.Net.Http.Headers;

namespace MiniKube.Client;

/// <summary>Puts the bearer token on every request of a channel (gRPC metadata is HTTP/2 headers), on plaintext and TLS alike.</summary>
internal sealed class BearerTokenHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly AuthenticationHeaderValue _header = new("Bearer", token);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _header;
        return base.SendAsync(request, cancellationToken);
    }
}
