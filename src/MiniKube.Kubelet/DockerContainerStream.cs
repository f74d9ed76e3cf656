using System.Runtime.InteropServices;
using Docker.DotNet;

namespace MiniKube.Kubelet;

/// <summary>
/// <see cref="IContainerStream"/> over Docker's hijacked exec or attach connection: output demultiplexed into stdout and
/// stderr (one stream with a TTY), stdin written to the connection and ended by half-closing it.
/// </summary>
internal sealed class DockerContainerStream(
    MultiplexedStream stream, Func<int, int, CancellationToken, Task> resize, Func<CancellationToken, Task<int?>> exitCode,
    Func<CancellationToken, Task> end) : IContainerStream
{
    private int _stdinClosed;

    public async Task<OutputChunk> ReadOutputAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        MultiplexedStream.ReadResult read;
        do
        {
            read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
        }
        while (!read.EOF && read.Count == 0);
        return read.EOF ? new OutputChunk(0, false) : new OutputChunk(read.Count, read.Target == MultiplexedStream.TargetStream.StandardError);
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var segment = MemoryMarshal.TryGetArray(data, out var array) ? array : new ArraySegment<byte>(data.ToArray());
        return stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken);
    }

    public void CloseStdin()
    {
        if (Interlocked.Exchange(ref _stdinClosed, 1) == 0)
        {
            stream.CloseWrite();
        }
    }

    public async Task ResizeAsync(int width, int height, CancellationToken cancellationToken)
    {
        try
        {
            await resize(width, height, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // A resize before the process runs (or after it ended): the next one applies.
        }
    }

    public Task<int?> ExitCodeAsync(CancellationToken cancellationToken) => exitCode(cancellationToken);

    public Task EndAsync(CancellationToken cancellationToken) => end(cancellationToken);

    public ValueTask DisposeAsync()
    {
        stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
