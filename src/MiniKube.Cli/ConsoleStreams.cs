using System.Text;

namespace MiniKube.Cli;

/// <summary>
/// Byte streams over minictl's text console (<see cref="CliConsole"/> is text, so tests can use string readers and
/// writers): what is read from a <see cref="TextReader"/> comes out UTF-8 encoded, what is written to a
/// <see cref="TextWriter"/> is UTF-8 decoded (a character split between two writes is kept for the next).
/// </summary>
internal static class ConsoleStreams
{
    public static Stream Reading(TextReader reader) => new ReaderStream(reader);

    public static Stream Writing(TextWriter writer) => new WriterStream(writer);

    private sealed class ReaderStream(TextReader reader) : Stream
    {
        private readonly char[] _chars = new char[4096];
        private byte[] _pending = [];
        private int _offset;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset == _pending.Length)
            {
                var read = await reader.ReadAsync(_chars.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return 0;
                }
                _pending = Encoding.UTF8.GetBytes(_chars, 0, read);
                _offset = 0;
            }
            var n = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class WriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var chars = new char[_decoder.GetCharCount(buffer.Span, flush: false)];
            var count = _decoder.GetChars(buffer.Span, chars, flush: false);
            await writer.WriteAsync(chars.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() => writer.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
