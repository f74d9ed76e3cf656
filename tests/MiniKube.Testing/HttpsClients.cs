using System.Net.Http.Headers;
using System.Security.Authentication;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// Raw HTTP clients for tests that look at status codes and messages on the REST wire, trusting and presenting what
/// <see cref="ClientCredentials"/> says exactly as the product's clients do (<see cref="ClientCredentials.ApplyTls"/>).
/// </summary>
public static class HttpsClients
{
    public static HttpClient For(string baseAddress, ClientCredentials credentials, SslProtocols tls = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.EnabledSslProtocols = tls;
        credentials.ApplyTls(handler);
        var http = new HttpClient(handler) { BaseAddress = new Uri(baseAddress) };
        if (credentials.BearerToken is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }
}
