using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Imaging;

/// <summary>Random access to an image's rows as bytes, for resamplers that read rows out of order.</summary>
internal static class PixelRows
{
    /// <summary>
    /// Row <paramref name="y"/> as R, G, B bytes, without a copy. Through the accessor of
    /// <c>ProcessPixelRows</c>, because fetching a row's memory from the image itself costs an
    /// allocation per call (ImageSharp 2.1), which dominated the resize.
    /// </summary>
    public static ReadOnlySpan<byte> RowBytes(this PixelAccessor<Rgb24> pixels, int y) =>
        MemoryMarshal.AsBytes(pixels.GetRowSpan(y));
}
