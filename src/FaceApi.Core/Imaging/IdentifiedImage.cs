using System.Buffers;
using SixLabors.ImageSharp.Formats;

namespace FaceApi.Core.Imaging;

/// <summary>
/// An encoded image whose header has been read and checked against the limits, not yet decoded:
/// what a caller needs to decide whether it can afford the decode (<see cref="Pixels"/>).
/// </summary>
/// <param name="Encoded">The encoded bytes.</param>
/// <param name="Format">The format its header declares.</param>
/// <param name="Width">Width after EXIF orientation.</param>
/// <param name="Height">Height after EXIF orientation.</param>
public sealed record IdentifiedImage(ReadOnlyMemory<byte> Encoded, IImageFormat Format, int Width, int Height)
{
    /// <summary>Pixels the decoded image will hold.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// What ImageSharp reads instead of <see cref="Encoded"/>, when that is a JPEG libjpeg reads otherwise
    /// (<see cref="JpegLibjpegTolerance"/>); null when it reads <see cref="Encoded"/>.
    /// </summary>
    internal ReadOnlySequence<byte>? AsLibjpegReadsIt { get; init; }
}
