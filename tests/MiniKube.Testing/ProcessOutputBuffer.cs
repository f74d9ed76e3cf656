namespace MiniKube.Testing;

/// <summary>Keeps the last lines a child process printed, so failures can show them without unbounded memory.</summary>
internal sealed class ProcessOutputBuffer(int capacity = 200)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public string Snapshot()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines);
        }
    }
}
