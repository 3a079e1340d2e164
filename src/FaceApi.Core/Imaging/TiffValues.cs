using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>The integer values of one TIFF directory entry (<see cref="TiffLayout.ValuesOf"/>), read in the file's byte order.</summary>
internal readonly ref struct TiffValues(TiffLayout layout, ReadOnlySpan<byte> bytes, int size, bool signed, bool shortOrLong)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    /// <summary>
    /// Whether the values are SHORT, LONG, SSHORT or SLONG, the types ImageSharp 2.1.13 takes into the
    /// image tags it reads as numbers (width, height, RowsPerStrip, strip offsets and counts; its
    /// <c>ExifNumber</c> and <c>ExifShort</c> take no byte or 64-bit value): a tag of another type it drops,
    /// as if absent (found in review: a RowsPerStrip typed BYTE 1 read here as one row was a whole-image
    /// strip to ImageSharp).
    /// </summary>
    public bool IsShortOrLong => shortOrLong;

    /// <summary>How many values the entry holds.</summary>
    public int Count => size == 0 ? 0 : _bytes.Length / size;

    /// <summary>The value at <paramref name="index"/>; a signed type's negative values, which ImageSharp 2.1.13 refuses, read as -1.</summary>
    public long this[int index]
    {
        get
        {
            var value = _bytes.Slice(index * size, size);
            var number = (size, signed) switch
            {
                (1, false) => value[0],
                (1, true) => (sbyte)value[0],
                (2, false) => layout.ReadUInt16(value),
                (2, true) => (short)layout.ReadUInt16(value),
                (4, false) => layout.ReadUInt32(value),
                (4, true) => (int)layout.ReadUInt32(value),
                (_, false) => layout.ReadOffset(value),
                _ => layout.BigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value),
            };
            return Math.Max(-1, number);
        }
    }
}
