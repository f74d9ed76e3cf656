using MiniKube.Api;
using MiniKube.Controllers;

namespace MiniKube.Controllers.Tests.Support;

/// <summary>Collects events as <c>Type Reason: message</c> lines.</summary>
internal sealed class FakeEvents : IEventSink
{
    private readonly Lock _gate = new();

    public List<string> Lines { get; } = [];

    public void Record(KubeObject involved, string type, string reason, string message)
    {
        lock (_gate)
        {
            Lines.Add($"{type} {reason}: {message}");
        }
    }
}
