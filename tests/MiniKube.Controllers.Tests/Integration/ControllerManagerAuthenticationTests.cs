using System.Net;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Integration;

/// <summary>
/// The controller-manager against an API server that serves TLS and authenticates: with a client certificate from the
/// cluster CA (bound from its own --client-certificate/--client-key/--certificate-authority flags) its controllers work.
/// </summary>
public sealed class ControllerManagerAuthenticationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-cm-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task With_a_client_certificate_from_its_flags_the_ReplicaSet_controller_creates_pods()
    {
        using var ca = CertificateAuthority.Create("minikube-ca");
        using (var serving = ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, Path.Combine(_dir, "apiserver.crt"), Path.Combine(_dir, "apiserver.key"));
        }
        using (var manager = ca.IssueClient("system:kube-controller-manager", []))
        {
            PemFiles.Write(manager, Path.Combine(_dir, "cm.crt"), Path.Combine(_dir, "cm.key"));
        }
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.crt"), ca.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "tokens.csv"), "admin-token,admin,1\n");
        await using var server = await TestApiServer.StartAsync(configure: o =>
        {
            (o.TlsCertFile, o.TlsPrivateKeyFile) = (Path.Combine(_dir, "apiserver.crt"), Path.Combine(_dir, "apiserver.key"));
            o.ClientCAFile = Path.Combine(_dir, "ca.crt");
            o.TokenAuthFile = Path.Combine(_dir, "tokens.csv");
        });
        var parse = ControllerManagerCommandLine.CreateRootCommand().Parse([
            "--server", server.GrpcAddress, "--leader-elect=false", "--certificate-authority", Path.Combine(_dir, "ca.crt"),
            "--client-certificate", Path.Combine(_dir, "cm.crt"), "--client-key", Path.Combine(_dir, "cm.key")]);
        var (options, problems) = ControllerManagerCommandLine.ToOptions(parse);
        Assert.Empty(problems);
        using var admin = server.NewClient(new ClientCredentials { BearerToken = "admin-token", CertificateAuthorities = [ca.Certificate] });
        var controllers = new ControllerManager(options!);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => controllers.RunAsync(stop.Token));
        try
        {
            await controllers.Started.WaitAsync(TimeSpan.FromSeconds(30));
            await admin.CreateAsync(new ReplicaSet
            {
                Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
                Spec = new ReplicaSetSpec { Replicas = 2, Selector = new LabelSelector { MatchLabels = WorkloadObjects.WebLabels }, Template = WorkloadObjects.Template() },
            });

            var pods = await Eventually.WaitAsync(() => admin.ListAsync<Pod>("default", labelSelector: "app=web"), l => l.Items.Count == 2,
                TimeSpan.FromSeconds(30), "the ReplicaSet controller to create 2 pods");

            Assert.All(pods.Items, p => Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public void A_certificate_flag_without_its_key_is_a_problem_that_says_what_to_set()
    {
        var parse = ControllerManagerCommandLine.CreateRootCommand().Parse(["--client-certificate", Path.Combine(_dir, "cm.crt")]);

        var (options, problems) = ControllerManagerCommandLine.ToOptions(parse);

        Assert.Null(options);
        Assert.Contains("client-certificate and client-key go together: set both (--client-certificate and --client-key) or neither", problems);
    }
}
