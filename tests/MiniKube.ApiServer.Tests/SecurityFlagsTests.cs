using System.Diagnostics;

namespace MiniKube.ApiServer.Tests;

/// <summary>--token-auth-file, --client-ca-file, --tls-cert-file and --tls-private-key-file: parsing, checks, and a bad file at start.</summary>
public sealed class SecurityFlagsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-flags-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (ApiServerOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = ApiServerCommandLine.CreateRootCommand().Parse(args);
        Assert.Empty(parse.Errors);
        return ApiServerCommandLine.ToOptions(parse);
    }

    private string File(string name)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, "x");
        return path;
    }

    [Fact]
    public void The_flags_reach_the_options_and_are_off_by_default()
    {
        var (defaults, _) = Parse();
        var (options, problems) = Parse("--token-auth-file", File("t.csv"), "--client-ca-file", File("ca.crt"), "--tls-cert-file", File("s.crt"),
            "--tls-private-key-file", File("s.key"));

        Assert.Equal((null, null, null, null, false), (defaults!.TokenAuthFile, defaults.ClientCAFile, defaults.TlsCertFile, defaults.TlsPrivateKeyFile, defaults.ServesTls));
        Assert.Empty(problems);
        Assert.Equal((Path.Combine(_dir, "t.csv"), Path.Combine(_dir, "ca.crt"), Path.Combine(_dir, "s.crt"), Path.Combine(_dir, "s.key"), true),
            (options!.TokenAuthFile, options.ClientCAFile, options.TlsCertFile, options.TlsPrivateKeyFile, options.ServesTls));
    }

    [Fact]
    public void Missing_files_and_half_a_TLS_pair_say_what_to_set()
    {
        Assert.Equal([$"--token-auth-file: file \"{_dir}/none.csv\" does not exist"], Parse("--token-auth-file", $"{_dir}/none.csv").Problems);
        Assert.Equal(["--tls-cert-file and --tls-private-key-file go together: set both to serve TLS, or neither"],
            Parse("--tls-cert-file", File("s.crt")).Problems);
        Assert.Equal(["--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates travel only over TLS"],
            Parse("--client-ca-file", File("ca.crt")).Problems);
    }

    [Fact]
    public void Kubelet_client_flags_reach_the_options_and_half_a_pair_says_what_to_set()
    {
        var (options, problems) = Parse("--kubelet-client-certificate", File("k.crt"), "--kubelet-client-key", File("k.key"),
            "--kubelet-certificate-authority", File("ca.crt"), "--authorization-mode", "Node,RBAC");

        Assert.Empty(problems);
        Assert.Equal((Path.Combine(_dir, "k.crt"), Path.Combine(_dir, "k.key"), Path.Combine(_dir, "ca.crt"), "Node,RBAC"),
            (options!.KubeletClientCertificate, options.KubeletClientKey, options.KubeletCertificateAuthority, options.AuthorizationMode));
        Assert.Equal(["--kubelet-client-certificate and --kubelet-client-key go together: set both to call kubelets over https, or neither"],
            Parse("--kubelet-client-certificate", File("k.crt")).Problems);
        Assert.Equal(["--kubelet-certificate-authority needs --kubelet-client-certificate and --kubelet-client-key: kubelets are called over https only with them"],
            Parse("--kubelet-certificate-authority", File("ca.crt")).Problems);
    }

    [Fact]
    public async Task A_bad_token_file_stops_the_process_with_the_line_that_is_wrong()
    {
        var tokens = Path.Combine(_dir, "tokens.csv");
        await System.IO.File.WriteAllTextAsync(tokens, "t1,alice,1\nt2\n");
        var dll = Path.Combine(AppContext.BaseDirectory, "minikube-apiserver.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--token-auth-file", tokens, "--port", "0", "--grpc-port", "0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
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

        Assert.Equal(2, process.ExitCode);
        Assert.Equal($"minikube-apiserver: --token-auth-file: {tokens} line 2: must have at least 3 columns (token, user name, user uid), found 1",
            (await stderr).Trim());
    }

    [Fact]
    public async Task A_serving_certificate_that_is_not_PEM_stops_the_start_naming_the_flag()
    {
        var ex = await Assert.ThrowsAsync<MiniKube.Security.AuthenticationConfigException>(async () =>
        {
            await using var host = ApiServerHost.Create(new ApiServerOptions { Port = 0, GrpcPort = 0, TlsCertFile = File("s.crt"), TlsPrivateKeyFile = File("s.key") });
        });

        Assert.StartsWith($"--tls-cert-file: cannot load \"{_dir}/s.crt\": ", ex.Message, StringComparison.Ordinal);
    }
}
