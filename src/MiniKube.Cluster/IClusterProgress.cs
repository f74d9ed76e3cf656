namespace MiniKube.Cluster;

/// <summary>
/// Progress of a cluster command, step by step (a check, a component): shown live in a terminal
/// (minictl's Spectre.Console view) or as plain lines when the output is not one.
/// </summary>
public interface IClusterProgress
{
    /// <summary>A step begins (or is shown waiting on something).</summary>
    void Start(string step, string text);

    /// <summary>What a running step is waiting for now; live views show it, plain output does not repeat it.</summary>
    void Update(string step, string text);

    void Succeed(string step, string text);

    void Fail(string step, string text);
}
