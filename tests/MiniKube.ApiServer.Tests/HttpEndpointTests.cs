using System.Diagnostics;
using System.Net.Http.Json;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

public sealed class HttpEndpointTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/livez")]
    public async Task Health_endpoints_answer_ok(string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };

        var body = await http.GetStringAsync(path);

        Assert.Equal("ok", body);
    }

    [Fact]
    public async Task Version_reports_Kubernetes_1_32_for_the_kubectl_dispatcher()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };

        var version = await http.GetFromJsonAsync<Dictionary<string, string>>("/version");

        Assert.Equal("1", version!["major"]);
        Assert.Equal("32", version["minor"]);
    }

    [Fact]
    public async Task The_process_fails_fast_with_one_clear_line_when_etcd_is_unreachable()
    {
        var port = FreePort.Get();
        var dll = Path.Combine(AppContext.BaseDirectory, "minikube-apiserver.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--etcd-servers", $"http://127.0.0.1:{port}", "--port", "0", "--grpc-port", "0", "--etcd-startup-timeout", "1" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.NotEqual(0, process.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("minikube-apiserver: cannot reach etcd at http://127.0.0.1:" + port, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_flags_are_rejected_with_what_to_set()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "minikube-apiserver.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--etcd-servers", "not-a-url" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("--etcd-servers: \"not-a-url\" is not a URL", stderr, StringComparison.Ordinal);
    }
}
