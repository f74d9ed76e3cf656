using MiniKube.Cluster;

namespace MiniKube.Cli.Tests.Cluster;

public sealed class KubeconfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);

    private string File => Path.Combine(_dir, "config");

    [Fact]
    public void Add_keeps_other_entries_and_makes_the_cluster_current_and_remove_takes_only_it_away()
    {
        Directory.CreateDirectory(_dir);
        System.IO.File.WriteAllText(File, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: other
              cluster:
                server: https://other.example:6443
            users:
            - name: other
              user:
                token: secret
            contexts:
            - name: other
              context:
                cluster: other
                user: other
            current-context: other
            """);

        Kubeconfig.AddCluster(File, "mini", "http://127.0.0.1:1234");
        Kubeconfig.AddCluster(File, "mini", "http://127.0.0.1:5678");
        var added = System.IO.File.ReadAllText(File);
        var removed = Kubeconfig.RemoveCluster(File, "mini");
        var after = System.IO.File.ReadAllText(File);

        Assert.Contains("server: https://other.example:6443", added, StringComparison.Ordinal);
        Assert.Contains("token: secret", added, StringComparison.Ordinal);
        Assert.Contains("server: http://127.0.0.1:5678", added, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", added, StringComparison.Ordinal);
        Assert.Contains("current-context: mini", added, StringComparison.Ordinal);
        Assert.True(removed);
        Assert.DoesNotContain("mini", after, StringComparison.Ordinal);
        Assert.Contains("server: https://other.example:6443", after, StringComparison.Ordinal);
        Assert.Contains("name: other", after, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_created_and_the_path_follows_KUBECONFIG_then_HOME()
    {
        Kubeconfig.AddCluster(File, "mini", "http://127.0.0.1:1234");

        Assert.Contains("kind: Config", System.IO.File.ReadAllText(File), StringComparison.Ordinal);
        Assert.Equal("/a/one", Kubeconfig.PathFrom(n => n == "KUBECONFIG" ? "/a/one:/b/two" : null));
        Assert.Equal("/home/u/.kube/config", Kubeconfig.PathFrom(n => n == "HOME" ? "/home/u" : null));
        Assert.False(Kubeconfig.RemoveCluster(Path.Combine(_dir, "absent"), "mini"));
    }

    [Fact]
    public void A_secured_cluster_carries_its_ca_inline_and_the_admin_certificate_files()
    {
        Directory.CreateDirectory(_dir);
        var ca = Path.Combine(_dir, "ca.crt");
        System.IO.File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

        Kubeconfig.AddCluster(File, "mini", "https://127.0.0.1:1234", ca, new CertificatePair("/p/admin.crt", "/p/admin.key"));

        var text = System.IO.File.ReadAllText(File);
        Assert.Contains("server: https://127.0.0.1:1234", text, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data: " + Convert.ToBase64String(System.IO.File.ReadAllBytes(ca)), text, StringComparison.Ordinal);
        Assert.Contains("client-certificate: /p/admin.crt", text, StringComparison.Ordinal);
        Assert.Contains("client-key: /p/admin.key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("token:", text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
