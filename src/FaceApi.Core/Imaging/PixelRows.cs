using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Imaging;

/// <summary>Random access to an image's rows as bytes, for resamplers that read rows out of order.</summary>
internal static class PixelRows
{
    /// <summary>Row <paramref name="y"/> as R, G, B bytes, without a copy.</summary>
    public static ReadOnlySpan<byte> RowBytes(this Image<Rgb24> image, int y) =>
        MemoryMarshal.AsBytes(image.DangerousGetPixelRowMemory(y).Span);
}
