using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Dashboard.Components.Shared;

namespace MiniKube.Dashboard.Tests;

/// <summary>bUnit: the shell tab opens an xterm.js terminal and shows an exec that cannot run in red, without failing the page.</summary>
public sealed class ShellViewTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly MiniKubeClient _client = new("http://127.0.0.1:1");

    public ShellViewTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddSingleton(_client);
    }

    public void Dispose()
    {
        _context.Dispose();
        _client.Dispose();
    }

    [Fact]
    public void Errors_are_red_and_a_failed_shell_says_its_code()
    {
        Assert.Equal("\r\n\u001b[31mBadRequest: no\r\nshell\u001b[0m\r\n", ShellView.Red("BadRequest: no\nshell"));
        Assert.Equal("\r\n[shell exited]\r\n", ShellView.Exited(0));
        Assert.Contains("[shell exited with code 2]", ShellView.Exited(2), StringComparison.Ordinal);
    }

    [Fact]
    public void An_exec_that_cannot_reach_the_api_server_shows_its_error_in_the_terminal()
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "busybox" }, new Container { Name = "side", Image = "busybox" }] },
        };
        var module = _context.JSInterop.SetupModule("./terminal.js");
        var cut = _context.Render<ShellView>(p => p.Add(v => v.Pod, pod));
        cut.WaitForAssertion(() => Assert.Equal("the shell could not run", cut.Find("[data-test=shell-status]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Contains(module.Invocations, i => i.Identifier == "open");
        var writes = module.Invocations.Concat(_context.JSInterop.Invocations).Where(i => i.Identifier == "write").Select(i => i.Arguments[0] as string ?? "").ToList();
        Assert.Contains(writes, w => w.StartsWith("\r\n\u001b[31mServiceUnavailable: cannot reach", StringComparison.Ordinal));
        Assert.Equal(["app", "side"], cut.FindAll("[data-test=shell-container] option").Select(o => o.TextContent));
    }
}
