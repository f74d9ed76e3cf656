using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>Pod Security admission through minictl (gRPC): Kubernetes' refusal, the privileged label, warnings on stderr.</summary>
public sealed class PodSecurityCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string HostPathPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: rooted\nspec:\n  volumes:\n  - name: root\n    hostPath:\n      path: /\n"
        + "  containers:\n  - name: app\n    image: minikube/busybox:1.0\n";

    private const string PlainPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  containers:\n  - name: app\n    image: minikube/busybox:1.0\n";

    [Fact]
    public async Task A_hostPath_pod_is_refused_in_a_baseline_namespace_and_accepted_in_a_privileged_one()
    {
        var ns = await fixture.NewNamespaceAsync();
        using var temp = new TempDirectory();
        var file = Path.Combine(temp, "rooted.yaml");
        await File.WriteAllTextAsync(file, HostPathPod);

        var refused = await fixture.Cli().RunAsync("create", "-f", file, "-n", ns);
        await PodSecurityNamespaces.AllowPrivilegedAsync(fixture.Client, ns);
        var accepted = await fixture.Cli().RunAsync("create", "-f", file, "-n", ns);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Out);
        Assert.Contains("Error from server (Forbidden): error when creating \"" + file + "\": pods \"rooted\" is forbidden: "
            + "violates PodSecurity \"baseline:latest\": hostPath volumes (volume \"root\")", refused.Err, StringComparison.Ordinal);
        Assert.Equal(new CliResult(0, "pod/rooted created\n", ""), accepted);
    }

    [Fact]
    public async Task A_warn_label_prints_the_Warning_on_stderr_and_creates_the_pod()
    {
        var ns = "psa-" + Unique.Id();
        await fixture.Client.CreateAsync(new Namespace
        {
            Metadata = new ObjectMeta { Name = ns, Labels = new Dictionary<string, string> { [PodSecurityLabels.Warn] = "restricted" } },
        });
        using var temp = new TempDirectory();
        var file = Path.Combine(temp, "plain.yaml");
        await File.WriteAllTextAsync(file, PlainPod);

        var created = await fixture.Cli().RunAsync("create", "-f", file, "-n", ns);

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("pod/plain created\n", created.Out);
        Assert.StartsWith("Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set "
            + "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities", created.Err, StringComparison.Ordinal);
        Assert.Single(created.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await fixture.Client.GetAsync<Pod>("plain", ns);
    }
}
