using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// The memory ImageSharp 2.1.13 holds beside the decoded image for a JPEG it cannot convert as it reads:
/// every DCT coefficient of every component, 2 bytes each, kept until the end. It does so for a progressive
/// frame, and for a frame whose first scan names fewer components than it has
/// (<c>AllocateComponents(fullScan: Progressive || MultiScan)</c>), whatever the number of scans; any other
/// JPEG is converted a row of blocks at a time and holds a few rows. An attacking session measured a 1.1 MB
/// 7000x7000 progressive CMYK JPEG at +518 MiB of RSS and an RGB 4:4:4 one at +422 MiB, against +143 MiB
/// for a baseline one (2 December 2026), where the pixel budget counted 3 bytes a pixel for each; a second
/// got the same +518 MiB from 171 bytes, a progressive frame of one scan.
/// </summary>
internal static class JpegCoefficientMemory
{
    private const int BlockSide = 8;
    private const int CoefficientBytes = BlockSide * BlockSide * sizeof(short);

    /// <summary>The bytes of coefficients ImageSharp keeps decoding <paramref name="encoded"/>; 0 for a JPEG it converts as it reads, or anything else.</summary>
    internal static long BytesHeld(ReadOnlySpan<byte> encoded)
    {
        if (!JpegMarkerWalk.IsJpeg(encoded))
        {
            return 0;
        }

        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker is not (JpegMarkerWalk.EndOfImage or JpegMarkerWalk.StartOfScan) && !IsStartOfFrame(walk.Marker))
        {
        }

        if (!IsStartOfFrame(walk.Marker))
        {
            return 0;
        }

        var frame = walk.Payload;
        var progressive = walk.Marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
        while (walk.MoveNext() && walk.Marker is not (JpegMarkerWalk.EndOfImage or JpegMarkerWalk.StartOfScan))
        {
        }

        // The frame's component count is its sixth byte, the scan's its first (T.81, B.2.2 and B.2.3).
        var scan = walk.Marker == JpegMarkerWalk.StartOfScan ? walk.Payload : [];
        var wholeImage = progressive || (frame.Length > 5 && scan.Length > 0 && scan[0] != frame[5]);
        return wholeImage ? CoefficientBytesOf(frame) : 0;
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
