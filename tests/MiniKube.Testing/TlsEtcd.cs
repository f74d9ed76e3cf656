using System.Net;
using MiniKube.ApiServer;
using MiniKube.Security;

namespace MiniKube.Testing;

/// <summary>
/// A private etcd with client TLS and <c>--client-cert-auth</c>, its certificates made here by a fresh
/// <see cref="CertificateAuthority"/> (serving SANs 127.0.0.1 and localhost) and written to a temporary directory; the
/// client pair is the API server's (<c>--etcd-certfile</c>/<c>--etcd-keyfile</c>). Dispose stops etcd and deletes it all.
/// </summary>
public sealed class TlsEtcd : IAsyncDisposable
{
    private readonly string _dir;

    private TlsEtcd(string dir, CertificateAuthority ca, EtcdTlsFiles files, EtcdServer server)
    {
        _dir = dir;
        CA = ca;
        Files = files;
        Server = server;
    }

    /// <summary>The CA etcd trusts for clients and that signed etcd's serving certificate; issue more clients with it.</summary>
    public CertificateAuthority CA { get; }

    public EtcdTlsFiles Files { get; }

    public EtcdServer Server { get; }

    /// <summary>The https client URL.</summary>
    public string ClientUrl => Server.ClientUrl;

    /// <summary>The API server flags that reach this etcd: <c>--etcd-servers</c>, <c>--etcd-cafile</c>, <c>--etcd-certfile</c>, <c>--etcd-keyfile</c>.</summary>
    public IReadOnlyList<string> ApiServerArguments =>
        ["--etcd-servers", ClientUrl, "--etcd-cafile", Files.CAFile, "--etcd-certfile", Files.ClientCertFile, "--etcd-keyfile", Files.ClientKeyFile];

    public static async Task<TlsEtcd> StartAsync(CancellationToken cancellationToken = default)
    {
        var dir = Directory.CreateTempSubdirectory("minikube-etcd-tls-").FullName;
        var ca = CertificateAuthority.Create("etcd-ca");
        try
        {
            var files = new EtcdTlsFiles(
                Path.Combine(dir, "ca.crt"), Path.Combine(dir, "server.crt"), Path.Combine(dir, "server.key"),
                Path.Combine(dir, "apiserver-etcd-client.crt"), Path.Combine(dir, "apiserver-etcd-client.key"));
            await File.WriteAllTextAsync(files.CAFile, ca.Certificate.ExportCertificatePem() + "\n", cancellationToken).ConfigureAwait(false);
            using (var serving = ca.IssueServing("etcd", ["localhost"], [IPAddress.Loopback]))
            {
                PemFiles.Write(serving, files.ServerCertFile, files.ServerKeyFile);
            }
            // kubeadm's name for the API server's etcd client certificate.
            using (var client = ca.IssueClient("kube-apiserver-etcd-client", []))
            {
                PemFiles.Write(client, files.ClientCertFile, files.ClientKeyFile);
            }
            var server = await EtcdServer.StartAsync(files, cancellationToken).ConfigureAwait(false);
            return new TlsEtcd(dir, ca, files, server);
        }
        catch
        {
            ca.Dispose();
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>Points in-process API server options at this etcd with the client pair.</summary>
    public void Configure(ApiServerOptions options)
    {
        options.EtcdServers = [ClientUrl];
        options.EtcdCAFile = Files.CAFile;
        options.EtcdCertFile = Files.ClientCertFile;
        options.EtcdKeyFile = Files.ClientKeyFile;
    }

    /// <summary>Runs etcdctl with <c>--cacert --cert --key</c> of the client pair.</summary>
    public Task<string> EtcdctlAsync(params string[] arguments) => Server.EtcdctlAsync(arguments);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            CA.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
