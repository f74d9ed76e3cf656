using MiniKube.Dashboard.Components.Shared;

namespace MiniKube.Dashboard.Tests;

public sealed class ShellScriptTests
{
    [Fact]
    public void The_directory_is_kept_between_lines()
    {
        var script = ShellView.Script("/tmp/it's", "ls");
        Assert.StartsWith("cd '/tmp/it'\\''s' 2>/dev/null; ls\n", script, StringComparison.Ordinal);
        var (output, cwd) = ShellView.Parse("a\nb\n\n__minikube_pwd__/var/log");
        Assert.Equal("a\nb\n", output);
        Assert.Equal("/var/log", cwd);
    }

    [Fact]
    public void Output_without_the_report_is_kept_whole()
    {
        var (output, cwd) = ShellView.Parse("killed");
        Assert.Equal("killed", output);
        Assert.Null(cwd);
    }
}
