using MiniKube.Cluster;

namespace MiniKube.Cli.ClusterView;

/// <summary>One line per step start, success or failure, for logs and pipes.</summary>
public sealed class PlainProgress(TextWriter output) : IClusterProgress
{
    private readonly Lock _lock = new();

    public void Start(string step, string text) => Write("•", step, text);

    public void Update(string step, string text)
    {
    }

    public void Succeed(string step, string text) => Write("✓", step, text);

    public void Fail(string step, string text) => Write("✗", step, text);

    private void Write(string mark, string step, string text)
    {
        lock (_lock)
        {
            output.WriteLine($"{mark} {step}: {text}");
            output.Flush();
        }
    }
}
