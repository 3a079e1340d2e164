using System.Buffers;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace FaceApi.Core.Imaging;

/// <summary>
/// An encoded image whose header has been read and checked against the limits, not yet decoded:
/// what a caller needs to decide whether it can afford the decode (<see cref="DecodingPixels"/>).
/// </summary>
/// <param name="Encoded">The encoded bytes.</param>
/// <param name="Format">The format its header declares.</param>
/// <param name="Width">Width after EXIF (or TIFF) orientation.</param>
/// <param name="Height">Height after EXIF (or TIFF) orientation.</param>
public sealed record IdentifiedImage(ReadOnlyMemory<byte> Encoded, IImageFormat Format, int Width, int Height)
{
    /// <summary>Pixels the decoded image will hold.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// What decoding holds at its peak, in RGB24 pixels (3 bytes each): the decoded <see cref="Pixels"/>
    /// and the decoder's own buffers (<see cref="DecoderBufferBytes"/>). What a caller should budget for.
    /// </summary>
    public long DecodingPixels => Pixels + PixelsWorth(DecoderBufferBytes);

    /// <summary>
    /// The bytes ImageSharp holds or decodes beside the decoded image: a multi-scan JPEG's coefficients
    /// (<see cref="JpegCoefficientMemory"/>), a TIFF's strip buffer (<see cref="TiffStripCheck"/>), a GIF
    /// frame's indices (<see cref="GifFrameCost"/>), the second image a turn to EXIF orientation writes; 0
    /// for an upright image of a format decoded a row at a time.
    /// </summary>
    public long DecoderBufferBytes { get; init; }

    /// <summary>
    /// The EXIF orientation (CIPA DC-008, tag 0x0112; for a TIFF, its Orientation tag, <see cref="TiffOrientation"/>)
    /// decoding turns the image by, 1 to 8, as <see cref="ImageDecoder.Identify"/> read it; top left, the
    /// default, leaves it as stored (an instance not made by Identify is decoded unturned).
    /// </summary>
    internal ushort Orientation { get; init; } = ExifOrientationMode.TopLeft;

    /// <summary>
    /// What ImageSharp reads instead of <see cref="Encoded"/>, when that is a JPEG libjpeg reads otherwise
    /// (<see cref="JpegLibjpegTolerance"/>); null when it reads <see cref="Encoded"/>.
    /// </summary>
    internal ReadOnlySequence<byte>? AsLibjpegReadsIt { get; init; }

    /// <summary>The RGB24 pixels (3 bytes each) that <paramref name="bytes"/> would fill, rounded up.</summary>
    internal static long PixelsWorth(long bytes) => (bytes / 3) + (bytes % 3 == 0 ? 0 : 1);
}
