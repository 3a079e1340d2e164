using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Moves one 8-bit RGB or RGBA pixel (3 or 4 samples) between a scanline and a vector, one sample per 16-bit lane,
/// so that filter reversal can work on a whole pixel at once with room for sums such as a + b (up to 510) and for
/// signed differences. Lanes past the pixel's samples hold 0 and are never written back.
/// </summary>
internal static class PngPixelLanes
{
    /// <summary>Keeps a sum's low byte in each lane: PNG filter arithmetic is modulo 256 (ISO/IEC 15948, 9.2).</summary>
    public static readonly Vector128<short> LowByte = Vector128.Create((short)0xFF);

    /// <summary>Whether pixels of <paramref name="bytesPerPixel"/> bytes fit these lanes, with vector hardware to run them.</summary>
    public static bool AreAccelerated(int bytesPerPixel) => Vector128.IsHardwareAccelerated && bytesPerPixel is 3 or 4;

    /// <summary>The pixel that starts at <paramref name="offset"/> in <paramref name="samples"/>.</summary>
    public static Vector128<short> Load(ReadOnlySpan<byte> samples, int offset, int bytesPerPixel)
    {
        // Unchecked: the callers' loops keep offset + bytesPerPixel within the span.
        Debug.Assert(bytesPerPixel is 3 or 4 && offset + bytesPerPixel <= samples.Length, "A whole RGB or RGBA pixel.");
        ref var pixel = ref Unsafe.Add(ref MemoryMarshal.GetReference(samples), offset);
        var packed = bytesPerPixel == 4
            ? Unsafe.ReadUnaligned<uint>(ref pixel)
            : Unsafe.ReadUnaligned<ushort>(ref pixel) | ((uint)Unsafe.Add(ref pixel, 2) << 16);
        return Vector128.WidenLower(Vector128.CreateScalar(packed).AsByte()).AsInt16();
    }

    /// <summary>Writes the low byte of each of the pixel's lanes to <paramref name="samples"/> at <paramref name="offset"/>.</summary>
    public static void Store(Vector128<short> pixel, Span<byte> samples, int offset, int bytesPerPixel)
    {
        Debug.Assert(bytesPerPixel is 3 or 4 && offset + bytesPerPixel <= samples.Length, "A whole RGB or RGBA pixel.");
        ref var destination = ref Unsafe.Add(ref MemoryMarshal.GetReference(samples), offset);
        var lanes = pixel.AsUInt16();
        var packed = Vector128.Narrow(lanes, lanes).AsUInt32().ToScalar();
        if (bytesPerPixel == 4)
        {
            Unsafe.WriteUnaligned(ref destination, packed);
        }
        else
        {
            // Not 4 bytes: the fourth is the next pixel's, still filtered. Writing it back unchanged instead would
            // overlap the next pixel's read, and the stalled store forwarding made Paeth rows 2.6 times as slow (280 us
            // against 108 us for a 112x112 crop, measured beside the figures in PngPaethFilter).
            Unsafe.WriteUnaligned(ref destination, (ushort)packed);
            Unsafe.Add(ref destination, 2) = (byte)(packed >> 16);
        }
    }
}
