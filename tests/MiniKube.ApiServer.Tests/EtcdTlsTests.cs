using MiniKube.Api;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// The API server process against a real etcd that serves clients over TLS only and requires client certificates
/// (<c>--client-cert-auth</c>): with <c>--etcd-cafile/--etcd-certfile/--etcd-keyfile</c> it serves, and what it writes is
/// what etcdctl reads with the same pair; without a certificate, or with one of another CA, it never becomes ready.
/// </summary>
public sealed class EtcdTlsTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private TlsEtcd? _etcd;

    private TlsEtcd Etcd => _etcd!;

    public async Task InitializeAsync() => _etcd = await TlsEtcd.StartAsync();

    public async Task DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_the_etcd_client_flags_pods_are_created_read_and_watched_and_etcdctl_sees_them()
    {
        const string prefix = "/tls-test";
        var (process, grpc) = await ComponentProcess.StartApiServerAsync(Etcd.ClientUrl, extraArgs:
            ["--etcd-cafile", Etcd.Files.CAFile, "--etcd-certfile", Etcd.Files.ClientCertFile, "--etcd-keyfile", Etcd.Files.ClientKeyFile, "--etcd-prefix", prefix,
             // No controller-manager here to create the default ServiceAccount the pod would otherwise wait for.
             "--disable-admission-plugins", "ServiceAccount"]);
        await using var _ = process;
        using var client = new MiniKube.Client.MiniKubeClient(grpc);
        using var cts = new CancellationTokenSource(Deadline);
        var list = await client.ListAsync<Pod>("default", cancellationToken: cts.Token);
        var watched = FirstAdded(client, list.ResourceVersion, cts.Token);

        await client.CreateAsync(TestObjects.Pod("over-tls", "default"), cts.Token);

        Assert.Equal("over-tls", (await client.GetAsync<Pod>("over-tls", "default", cts.Token)).Metadata.Name);
        Assert.Equal("over-tls", (await watched).Metadata.Name);
        var stored = await Etcd.EtcdctlAsync("get", prefix + "/pods/default/over-tls", "--print-value-only");
        Assert.Contains("\"name\":\"over-tls\"", stored, StringComparison.Ordinal);
        var http = System.Text.RegularExpressions.Regex.Match(process.RecentOutput, @"HTTP on (http://\S+)").Groups[1].Value;
        using var health = new HttpClient();
        Assert.Equal("ok", await health.GetStringAsync(new Uri(http + "/readyz"), cts.Token));
    }

    private static async Task<Pod> FirstAdded(MiniKube.Client.MiniKubeClient client, string resourceVersion, CancellationToken cancellationToken)
    {
        await foreach (var e in client.WatchAsync<Pod>("default", resourceVersion: resourceVersion, cancellationToken: cancellationToken))
        {
            if (e.Type == "ADDED")
            {
                return e.Object;
            }
        }
        throw new InvalidOperationException("the watch ended without an ADDED event");
    }

    [Fact]
    public async Task Without_a_client_certificate_start_fails_with_one_line_naming_etcd_and_TLS()
    {
        var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver",
            ["--etcd-servers", Etcd.ClientUrl, "--etcd-cafile", Etcd.Files.CAFile, "--etcd-startup-timeout", "3", "--port", "0", "--grpc-port", "0"], Deadline);

        Assert.Equal(1, code);
        Assert.Contains($"minikube-apiserver: cannot reach etcd at {Etcd.ClientUrl} within 3s: ", stderr, StringComparison.Ordinal);
        Assert.Contains("(etcd over TLS: etcd refuses a connection without a client certificate signed by its --trusted-ca-file", stderr, StringComparison.Ordinal);
        Assert.Contains("rejected connection", Etcd.Server.RecentOutput, StringComparison.Ordinal);
        Assert.Contains("client didn't provide a certificate", Etcd.Server.RecentOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_client_certificate_of_another_CA_start_fails_with_one_line_naming_etcd_and_TLS()
    {
        var dir = Directory.CreateTempSubdirectory("minikube-etcd-other-").FullName;
        try
        {
            using var otherCa = CertificateAuthority.Create("someone-else-ca");
            using var mallory = otherCa.IssueClient("kube-apiserver-etcd-client", []);
            PemFiles.Write(mallory, Path.Combine(dir, "client.crt"), Path.Combine(dir, "client.key"));

            var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver",
                ["--etcd-servers", Etcd.ClientUrl, "--etcd-cafile", Etcd.Files.CAFile, "--etcd-certfile", Path.Combine(dir, "client.crt"),
                 "--etcd-keyfile", Path.Combine(dir, "client.key"), "--etcd-startup-timeout", "3", "--port", "0", "--grpc-port", "0"], Deadline);

            Assert.Equal(1, code);
            Assert.Contains($"minikube-apiserver: cannot reach etcd at {Etcd.ClientUrl} within 3s: ", stderr, StringComparison.Ordinal);
            Assert.Contains("(etcd over TLS: etcd refuses a connection without a client certificate signed by its --trusted-ca-file", stderr, StringComparison.Ordinal);
            Assert.Contains("x509: certificate signed by unknown authority", Etcd.Server.RecentOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_etcd_serving_certificate_not_of_the_etcd_CA_is_refused_by_the_API_server()
    {
        var dir = Directory.CreateTempSubdirectory("minikube-etcd-other-").FullName;
        try
        {
            using var otherCa = CertificateAuthority.Create("someone-else-ca");
            var otherCaFile = Path.Combine(dir, "other-ca.crt");
            await File.WriteAllTextAsync(otherCaFile, otherCa.Certificate.ExportCertificatePem());

            var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver",
                ["--etcd-servers", Etcd.ClientUrl, "--etcd-cafile", otherCaFile, "--etcd-certfile", Etcd.Files.ClientCertFile,
                 "--etcd-keyfile", Etcd.Files.ClientKeyFile, "--etcd-startup-timeout", "3", "--port", "0", "--grpc-port", "0"], Deadline);

            Assert.Equal(1, code);
            Assert.Contains($"minikube-apiserver: cannot reach etcd at {Etcd.ClientUrl} within 3s: ", stderr, StringComparison.Ordinal);
            Assert.Contains("AuthenticationException: The remote certificate is invalid because of errors in the certificate chain", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_etcd_client_file_that_is_not_PEM_exits_2_naming_the_flag_and_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("minikube-etcd-bad-").FullName;
        try
        {
            var notPem = Path.Combine(dir, "ca.crt");
            await File.WriteAllTextAsync(notPem, "not a certificate\n");

            var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver",
                ["--etcd-servers", Etcd.ClientUrl, "--etcd-cafile", notPem, "--port", "0", "--grpc-port", "0"], Deadline);

            Assert.Equal(2, code);
            Assert.StartsWith($"minikube-apiserver: --etcd-cafile: cannot load \"{notPem}\": ", stderr.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
