using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// The zlib stream of a PNG (ISO/IEC 15948, 10.1): the data of its consecutive IDAT chunks read as one stream,
/// in place, skipping each chunk's length, type and CRC. Read-only and forward-only.
/// </summary>
/// <remarks>The chunks must have been checked by <see cref="PngChunkLayout.TryRead"/>: each lies inside <c>png</c>.</remarks>
internal sealed class PngDataChunksStream : Stream
{
    private readonly ReadOnlyMemory<byte> _png;
    private readonly int _end;
    private int _position;
    private int _dataEnd;

    /// <param name="png">The whole PNG file.</param>
    /// <param name="dataChunks">From the first IDAT chunk's length field to the end of the last IDAT's CRC.</param>
    public PngDataChunksStream(ReadOnlyMemory<byte> png, Range dataChunks)
    {
        _png = png;
        var (start, length) = dataChunks.GetOffsetAndLength(png.Length);
        _end = start + length;
        _position = _dataEnd = start - PngChunkFraming.CrcLength;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        while (_position == _dataEnd)
        {
            var nextChunk = _dataEnd + PngChunkFraming.CrcLength;
            if (nextChunk == _end)
            {
                return 0;
            }

            _position = nextChunk + PngChunkFraming.HeaderLength;
            _dataEnd = _position + (int)BinaryPrimitives.ReadUInt32BigEndian(_png.Span[nextChunk..]);
        }

        var count = Math.Min(buffer.Length, _dataEnd - _position);
        _png.Span.Slice(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
