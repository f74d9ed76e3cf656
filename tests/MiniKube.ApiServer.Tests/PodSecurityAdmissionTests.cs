using System.Net;
using System.Text;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>Pod Security admission on a real API server over etcd, on both wires.</summary>
public sealed class PodSecurityAdmissionTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static Pod HostPathPod(string name, string ns) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new PodSpec
        {
            Volumes = [new Volume { Name = "root", HostPath = new HostPathVolumeSource { Path = "/" } }],
            Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }],
        },
    };

    private async Task<string> NamespaceAsync(params (string Key, string Value)[] labels)
    {
        var name = "psa-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name, Labels = labels.ToDictionary(l => l.Key, l => l.Value) } });
        return name;
    }

    [Fact]
    public async Task Enforce_refuses_with_Kubernetes_status_and_stores_nothing_even_on_a_dry_run()
    {
        var ns = await NamespaceAsync();

        var refused = await Assert.ThrowsAsync<ApiException>(() => fixture.Client.CreateAsync(HostPathPod("rooted", ns)));
        var dryRun = await Assert.ThrowsAsync<ApiException>(() => fixture.Client.CreateAsync(HostPathPod("rooted", ns), dryRun: true));

        Assert.Equal(403, refused.Status.Code);
        Assert.Equal(StatusReasons.Forbidden, refused.Status.Reason);
        Assert.Equal("pods \"rooted\" is forbidden: violates PodSecurity \"baseline:latest\": hostPath volumes (volume \"root\")", refused.Status.Message);
        Assert.Equal(refused.Status.Message, dryRun.Status.Message);
        Assert.True((await Assert.ThrowsAsync<ApiException>(() => fixture.Client.GetAsync<Pod>("rooted", ns))).IsNotFound);
    }

    [Fact]
    public async Task Labelling_the_namespace_privileged_lets_the_pod_in_right_away()
    {
        var ns = await NamespaceAsync();
        await Assert.ThrowsAsync<ApiException>(() => fixture.Client.CreateAsync(HostPathPod("rooted", ns)));

        // No wait between the label and the create: a refusal re-reads the namespace from etcd.
        await PodSecurityNamespaces.AllowPrivilegedAsync(fixture.Client, ns);
        var created = await fixture.Client.CreateAsync(HostPathPod("rooted", ns));

        Assert.Equal("/", created.Spec!.Volumes![0].HostPath!.Path);
    }

    [Fact]
    public async Task Warn_reaches_a_gRPC_client_as_trailers_and_a_REST_client_as_Warning_headers()
    {
        var ns = await NamespaceAsync((PodSecurityLabels.Enforce, "privileged"), (PodSecurityLabels.Warn, "baseline"), (PodSecurityLabels.Audit, "restricted"));
        var warnings = new List<string>();
        using var client = new MiniKubeClient(fixture.Server.GrpcAddress) { WarningHandler = w => { lock (warnings) { warnings.Add(w); } } };

        await client.CreateAsync(HostPathPod("grpc", ns));
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        var body = KubeSerializer.ToJsonBytes(HostPathPod("rest", ns) with { ApiVersion = "v1", Kind = "Pod" });
        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/pods", new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } });

        const string Expected = "would violate PodSecurity \"baseline:latest\": hostPath volumes (volume \"root\")";
        Assert.Equal([Expected], warnings);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["299 - \"" + Expected.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""], response.Headers.GetValues("Warning"));
        await fixture.Client.GetAsync<Pod>("rest", ns);
    }

    [Fact]
    public async Task A_pod_that_passes_gets_no_warning_and_workloads_are_warned_but_not_refused()
    {
        var ns = await NamespaceAsync((PodSecurityLabels.Warn, "restricted"));
        var warnings = new List<string>();
        using var client = new MiniKubeClient(fixture.Server.GrpcAddress) { WarningHandler = w => { lock (warnings) { warnings.Add(w); } } };
        var hardened = new Pod
        {
            Metadata = new ObjectMeta { Name = "hardened", Namespace = ns },
            Spec = new PodSpec
            {
                SecurityContext = new PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new SeccompProfile { Type = "RuntimeDefault" } },
                Containers =
                [
                    new Container
                    {
                        Name = "app", Image = "minikube/busybox:1.0",
                        SecurityContext = new SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new Capabilities { Drop = ["ALL"] } },
                    },
                ],
            },
        };
        var template = HostPathPod("x", ns);
        var deployment = new Deployment
        {
            Metadata = new ObjectMeta { Name = "rooted", Namespace = ns },
            Spec = new DeploymentSpec
            {
                Replicas = 0,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "r" } },
                Template = new PodTemplateSpec { Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "r" } }, Spec = template.Spec },
            },
        };

        await client.CreateAsync(hardened);
        Assert.Empty(warnings);
        // The namespace enforces baseline (the default), which a Deployment is not refused by: its pods would be.
        await client.CreateAsync(deployment);

        var warning = Assert.Single(warnings);
        Assert.StartsWith("would violate PodSecurity \"restricted:latest\": ", warning, StringComparison.Ordinal);
        Assert.Contains("restricted volume types (volume \"root\" uses restricted volume type \"hostPath\")", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespaces_with_unknown_levels_or_versions_are_invalid()
    {
        var bad = new Namespace
        {
            Metadata = new ObjectMeta
            {
                Name = "psa-bad-" + Guid.NewGuid().ToString("N")[..6],
                Labels = new Dictionary<string, string> { [PodSecurityLabels.Enforce] = "strict", [PodSecurityLabels.WarnVersion] = "1.30" },
            },
        };
        var ns = await NamespaceAsync();

        var created = await Assert.ThrowsAsync<ApiException>(() => fixture.Client.CreateAsync(bad));
        var patched = await Assert.ThrowsAsync<ApiException>(() =>
            fixture.Client.PatchAsync<Namespace>(ns, null, """{"metadata":{"labels":{"pod-security.kubernetes.io/audit":"everything"}}}"""));

        Assert.Equal(StatusReasons.Invalid, created.Status.Reason);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
            created.Status.Message, StringComparison.Ordinal);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"",
            created.Status.Message, StringComparison.Ordinal);
        Assert.Equal(StatusReasons.Invalid, patched.Status.Reason);
    }

    [Fact]
    public async Task The_default_level_is_an_option_and_kube_system_is_privileged_unless_labelled()
    {
        await using var server = await TestApiServer.StartAsync(configure: o => o.PodSecurityDefaultEnforce = "restricted");
        var plain = new Pod
        {
            Metadata = new ObjectMeta { Name = "plain", Namespace = "default" },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0" }] },
        };

        var refused = await Assert.ThrowsAsync<ApiException>(() => server.Client.CreateAsync(plain));
        await server.Client.CreateAsync(HostPathPod("system", WellKnownNamespaces.KubeSystem));
        await PodSecurityNamespaces.LabelAsync(server.Client, WellKnownNamespaces.KubeSystem, PodSecurityLabels.Enforce, "baseline");
        // Admission reads namespaces from the watch cache, as Kubernetes' reads them from its informer: a label that makes
        // the level stricter holds once the cache has the patch, a few milliseconds later (a looser one is re-read at once).
        var attempt = 0;
        var systemRefused = await Eventually.WaitAsync<ApiException>(async () =>
        {
            try
            {
                await server.Client.CreateAsync(HostPathPod("system-" + ++attempt, WellKnownNamespaces.KubeSystem));
                return null;
            }
            catch (ApiException ex)
            {
                return ex;
            }
        }, TimeSpan.FromSeconds(30), "kube-system labelled baseline to refuse a hostPath pod");

        Assert.StartsWith("pods \"plain\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false", refused.Status.Message, StringComparison.Ordinal);
        Assert.Equal(403, systemRefused.Status.Code);
    }

    [Fact]
    public void The_command_line_takes_the_default_level_and_names_a_bad_one()
    {
        var good = ApiServerCommandLine.ToOptions(ApiServerCommandLine.CreateRootCommand().Parse(["--pod-security-default-enforce", "privileged"]));
        var bad = ApiServerCommandLine.ToOptions(ApiServerCommandLine.CreateRootCommand().Parse(["--pod-security-default-enforce", "strict"]));

        Assert.Equal(PodSecurityLevel.Privileged, good.Options!.PodSecurityDefaultEnforceLevel);
        Assert.Equal("baseline", new ApiServerOptions().PodSecurityDefaultEnforce);
        Assert.Null(bad.Options);
        Assert.Equal("--pod-security-default-enforce: \"strict\" must be one of privileged, baseline, restricted", Assert.Single(bad.Problems));
    }
}
