using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// The memory ImageSharp 2.1.13 holds beside the decoded image for a JPEG of more than one scan
/// (progressive, or sequential with a scan per component): every DCT coefficient of every component, 2
/// bytes each, kept until the last scan. A single-scan JPEG is converted a row of blocks at a time and
/// holds a few rows. An attacking session measured a 1.1 MB 7000x7000 progressive CMYK JPEG at +518 MiB
/// of RSS and an RGB 4:4:4 one at +422 MiB, against +143 MiB for a baseline one (2 December 2026), where
/// the pixel budget counted 3 bytes a pixel for each.
/// </summary>
internal static class JpegCoefficientMemory
{
    private const int BlockSide = 8;
    private const int CoefficientBytes = BlockSide * BlockSide * sizeof(short);

    /// <summary>The bytes of coefficients ImageSharp keeps decoding <paramref name="encoded"/>; 0 for a single-scan JPEG or anything else.</summary>
    internal static long BytesHeld(ReadOnlySpan<byte> encoded)
    {
        if (!encoded.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            return 0;
        }

        ReadOnlySpan<byte> frame = [];
        var scans = 0;
        var walk = new JpegMarkerWalk(encoded);
        while (scans < 2 && walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            if (walk.Marker == JpegMarkerWalk.StartOfScan)
            {
                scans++;
            }
            else if (IsStartOfFrame(walk.Marker) && frame.IsEmpty)
            {
                frame = walk.Payload;
            }
        }

        return scans < 2 ? 0 : CoefficientBytesOf(frame);
    }

    // SOF0-SOF15 less DHT (0xC4), JPG (0xC8) and DAC (0xCC) (ITU-T T.81, Table B.1).
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    // The frame header (T.81, B.2.2): precision (1 byte), height (2), width (2), component count (1),
    // then 3 bytes a component: its id, its sampling factors (horizontal << 4 | vertical) and its
    // quantisation table. Each component has blocks for whole MCUs: the image in MCUs of 8 x the largest
    // sampling factors, times the component's own factors.
    private static long CoefficientBytesOf(ReadOnlySpan<byte> frame)
    {
        const int ComponentsStart = 6;
        if (frame.Length < ComponentsStart)
        {
            return 0;
        }

        var height = BinaryPrimitives.ReadUInt16BigEndian(frame[1..]);
        var width = BinaryPrimitives.ReadUInt16BigEndian(frame[3..]);
        var components = frame[ComponentsStart..];
        components = components[..(Math.Min(frame[5], components.Length / 3) * 3)];
        int maxHorizontal = 1, maxVertical = 1;
        for (var i = 0; i < components.Length; i += 3)
        {
            maxHorizontal = Math.Max(maxHorizontal, components[i + 1] >> 4);
            maxVertical = Math.Max(maxVertical, components[i + 1] & 0x0F);
        }

        long mcuColumns = (width + (BlockSide * maxHorizontal) - 1) / (BlockSide * maxHorizontal);
        long mcuRows = (height + (BlockSide * maxVertical) - 1) / (BlockSide * maxVertical);
        long blocks = 0;
        for (var i = 0; i < components.Length; i += 3)
        {
            blocks += mcuColumns * (components[i + 1] >> 4) * mcuRows * (components[i + 1] & 0x0F);
        }

        return blocks * CoefficientBytes;
    }
}
