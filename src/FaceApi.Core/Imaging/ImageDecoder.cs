using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Turns an uploaded image (JPEG, PNG, lossy WebP, GIF, BMP or TIFF) into upright RGB24 pixels, refusing
/// oversized, truncated, corrupt and unsupported input with an <see cref="ImageDecodingException"/>.
/// Thread-safe: one instance serves all requests.
/// </summary>
/// <remarks>
/// Only the first frame of animated or multi-page images is decoded. Alpha is dropped, not composited:
/// the RGB stored under transparent pixels is kept, as OpenCV's <c>imread(IMREAD_COLOR)</c> does in the
/// InsightFace reference pipeline. ICC profiles are not applied (ImageSharp 2.1 does not convert them).
/// PNG, GIF and WebP metadata is not read, so neither a PNG's eXIf orientation nor a WebP's EXIF one is
/// applied (see CreateConfiguration).
/// <para>
/// Non-interlaced 8-bit PNGs (grey, grey+alpha, RGB, RGBA, palette) are decoded by <see cref="PngFastDecoder"/>,
/// to exactly ImageSharp's pixels (0.22 instead of 0.57 ms for a 112x112 crop), because PNG decoding was half the
/// service's CPU time per aligned request (0.64 of 1.26 ms, 112x112 crops); every other image, and any PNG it
/// declines, is decoded by ImageSharp. It also refuses the palette PNGs that ImageSharp 2.1.13, which does not
/// check palette indices, would read beyond their palette.
/// </para>
/// </remarks>
public sealed class ImageDecoder
{
    private readonly Configuration _configuration = CreateConfiguration();
    private readonly int _maxEncodedBytes;
    private readonly int _maxWidth;
    private readonly int _maxHeight;
    private readonly int _maxPixels;
    private readonly int _maxMetadataSegments;
    private readonly int _maxMetadataBytes;
    private readonly int _maxMetadataEntries;
    private readonly int _maxJpegScans;

    /// <summary>Creates a decoder that enforces <paramref name="options"/>, read once here.</summary>
    /// <exception cref="ValidationException">A limit is outside its documented range.</exception>
    public ImageDecoder(ImageDecodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _maxEncodedBytes = options.MaxEncodedBytes;
        _maxWidth = options.MaxWidth;
        _maxHeight = options.MaxHeight;
        _maxPixels = options.MaxPixels;
        _maxMetadataSegments = options.MaxMetadataSegments;
        _maxMetadataBytes = options.MaxMetadataBytes;
        _maxMetadataEntries = options.MaxMetadataEntries;
        _maxJpegScans = options.MaxJpegScans;
    }

    /// <summary>
    /// Decodes the first frame of <paramref name="encoded"/>, applies its EXIF orientation (a TIFF's: its
    /// Orientation tag, <see cref="TiffOrientation"/>) and returns it as
    /// RGB24; the caller owns and disposes the image. Width and height are those after orientation.
    /// </summary>
    /// <param name="encoded">The encoded image. Array-backed memory is read in place, without a copy.</param>
    /// <exception cref="ImageDecodingException">
    /// <see cref="ImageErrorCode.ImageTooLarge"/> when a limit is exceeded (checked from the header, before
    /// any pixel is decoded), a JPEG's number of scans included; <see cref="ImageErrorCode.MetadataTooLarge"/> for a JPEG with more metadata than
    /// allowed, or a JPEG, WebP or TIFF with more EXIF or TIFF directory entries (checked before ImageSharp reads any); <see cref="ImageErrorCode.UnsupportedFormat"/> for a recognised format that is
    /// not decoded here; <see cref="ImageErrorCode.InvalidImage"/> for anything else that is not a complete image.
    /// </exception>
    public Image<Rgb24> Decode(ReadOnlyMemory<byte> encoded) => Decode(Identify(encoded));

    /// <summary>
    /// Reads and checks only the header of <paramref name="encoded"/> (and that the data is complete), so
    /// a caller can see what decoding will cost before it pays: a decompression bomb that declares
    /// 100000x100000 pixels is refused here, before any pixel buffer exists.
    /// </summary>
    /// <exception cref="ImageDecodingException">As <see cref="Decode(ReadOnlyMemory{byte})"/>, from the header.</exception>
    public IdentifiedImage Identify(ReadOnlyMemory<byte> encoded)
    {
        if (encoded.Length > _maxEncodedBytes)
        {
            throw new ImageDecodingException(
                ImageErrorCode.ImageTooLarge,
                $"The image is {encoded.Length} bytes; the limit is {_maxEncodedBytes}.");
        }

        // Before Identify: identifying a JPEG, WebP or TIFF already reads all its metadata. A JPEG's
        // markers and scans first, and ImageSharp then reads its segments as the walks that budget them
        // do (JpegLibjpegTolerance).
        JpegStructureCheck.Enforce(encoded.Span, _maxJpegScans);
        JpegMetadataBudget.Enforce(encoded.Span, _maxMetadataSegments, _maxMetadataBytes);
        TiffDirectoryBudget.Enforce(encoded.Span, _maxMetadataEntries);
        var decoderBufferBytes = TiffStripCheck.StripBufferBytes(encoded.Span) + JpegCoefficientMemory.BytesHeld(encoded.Span) + GifFrameCost.FirstFrameBytes(encoded.Span);
        // Its buffers alone over the limit are refused before ImageSharp's Identify, which for a GIF reads
        // through the frame (1.6 CPU-s for an attacking session's 65535x12000 frame).
        if (IdentifiedImage.PixelsWorth(decoderBufferBytes) > _maxPixels)
        {
            throw DecodingTooLarge("image", IdentifiedImage.PixelsWorth(decoderBufferBytes), decoderBufferBytes);
        }

        WebpLosslessRefusal.Enforce(encoded.Span);
        BmpPaletteCheck.Enforce(encoded.Span);
        PngHeaderCheck.Enforce(encoded.Span);
        var asLibjpegReadsIt = JpegLibjpegTolerance.AsLibjpegReadsIt(encoded);
        // Before Identify too: ImageSharp allocates a WebP chunk of the size it declares before it checks
        // that the data holds it (an attacking session's 108-byte WebP declaring a 2 GB EXIF chunk: an
        // OutOfMemoryException, or 1.5 GB touched and cleared each time). The format by its signature, as
        // Identify will find it.
        if (Image.DetectFormat(_configuration, encoded.Span) is { } signature && !EncodedImageCompleteness.IsComplete(signature, encoded.Span))
        {
            throw new ImageDecodingException(ImageErrorCode.InvalidImage, $"The {signature.Name} image is truncated.");
        }

        using var stream = OpenReadOnlyStream(encoded, asLibjpegReadsIt);
        var (format, width, height, orientation) = IdentifyWithinLimits(stream, encoded.Span);
        // Turning to EXIF orientation (AutoOrient) writes a second image of the same size (an attacking
        // session: a 7000x7000 JPEG of orientation 6 raised RSS by 280 MiB, of orientation 1 by 143); a
        // mirror-only orientation, which may not, is counted alike.
        decoderBufferBytes += orientation != ExifOrientationMode.TopLeft ? 3L * width * height : 0;
        decoderBufferBytes += WebpLossyCost.DecoderBytes(encoded.Span, width, height);

        var identified = new IdentifiedImage(encoded, format, width, height) { AsLibjpegReadsIt = asLibjpegReadsIt, DecoderBufferBytes = decoderBufferBytes, Orientation = orientation };
        // MaxPixels bounds what decoding holds, not only what it yields: ImageSharp's own buffers beside the
        // pixels (a progressive JPEG's coefficients, a TIFF's strip buffer) took up to 1 GB from a few
        // kilobytes where the pixels alone were within the limit.
        if (identified.DecodingPixels > _maxPixels)
        {
            throw DecodingTooLarge($"{width}x{height} {format.Name} image", identified.DecodingPixels, decoderBufferBytes);
        }

        return identified;
    }

    private ImageDecodingException DecodingTooLarge(string image, long pixelsWorth, long decoderBufferBytes) => new(
        ImageErrorCode.ImageTooLarge,
        $"Decoding the {image} would hold {pixelsWorth} RGB24 pixels' worth of memory (its decoder's buffers: {decoderBufferBytes >> 20} MiB); the limit is {_maxPixels}. Send it smaller, or as a baseline JPEG or PNG, whose decoders hold little beside the pixels.");

    /// <summary>Decodes an image <see cref="Identify"/> accepted; the caller owns and disposes the result.</summary>
    /// <exception cref="ImageDecodingException">The pixel data is corrupt or uses an unsupported feature.</exception>
    public Image<Rgb24> Decode(IdentifiedImage identified) => Decode(identified, out _);

    /// <summary>
    /// As <see cref="Decode(IdentifiedImage)"/>, and says whether <see cref="PngFastDecoder"/> decoded the image
    /// (tests assert it, so the fast path cannot silently stop being taken).
    /// </summary>
    internal Image<Rgb24> Decode(IdentifiedImage identified, out bool decodedByPngFastPath)
    {
        ArgumentNullException.ThrowIfNull(identified);
        // PNG metadata is not read, so there is no orientation to apply to what the fast path decodes.
        decodedByPngFastPath = PngFastDecoder.TryDecode(identified, _configuration, out var png);
        if (decodedByPngFastPath)
        {
            return png!;
        }

        using var stream = OpenReadOnlyStream(identified.Encoded, identified.AsLibjpegReadsIt);
        return DecodeUpright(stream, identified.Orientation);
    }

    /// <summary>
    /// Frees the pixel buffers the decoder's pool keeps between requests (up to 64 MB, see
    /// CreateConfiguration). Called when the service has gone quiet: the pool is native memory, which
    /// no garbage collection returns, and ImageSharp 2.1.13 trims it only slowly on its own.
    /// </summary>
    public void ReleaseRetainedMemory() => _configuration.MemoryAllocator.ReleaseRetainedResources();

    // ImageSharp 2.1 identifies only from a Stream or an exact byte[]; wrapping the caller's array segment
    // (or the pieces a JPEG is read as) avoids a copy. Memory that is not array-backed (native buffers) is
    // copied once.
    private static Stream OpenReadOnlyStream(ReadOnlyMemory<byte> encoded, ReadOnlySequence<byte>? asLibjpegReadsIt) =>
        asLibjpegReadsIt is { } pieces ? pieces.AsStream()
        : MemoryMarshal.TryGetArray(encoded, out var segment) ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
        : new MemoryStream(encoded.ToArray(), writable: false);

    // Reads the header only (for GIF, the frame descriptors; for JPEG, the segments before the first scan),
    // so a decompression bomb that declares 100000x100000 pixels is refused before any pixel buffer exists.
    private (IImageFormat Format, int Width, int Height, ushort Orientation) IdentifyWithinLimits(Stream stream, ReadOnlySpan<byte> encoded)
    {
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(_configuration, stream, out format);
        }
        catch (Exception exception) when (IsCodecFailure(exception))
        {
            throw MapCodecFailure(exception);
        }

        if (info is null || format is null)
        {
            throw KnownUnsupportedFormats.Recognize(encoded) is { } unsupported
                ? new ImageDecodingException(ImageErrorCode.UnsupportedFormat, $"{unsupported} images are not supported; send JPEG, PNG or WebP.")
                : new ImageDecodingException(ImageErrorCode.InvalidImage, "The data is not an image in a known format.");
        }

        // A TIFF's own tag, which ImageSharp does not apply (TiffOrientation). A JPEG's EXIF as Identify reads
        // it, up to the first scan, as libjpeg reads markers for OpenCV: an EXIF block after the scan, which
        // ImageSharp's full decode reads too, turned the image Identify had sized and counted unturned.
        var orientation = format is TiffFormat ? TiffOrientation.Read(encoded) : ExifOrientationOf(info.Metadata);
        var (width, height) = SwapsWidthAndHeight(orientation) ? (info.Height, info.Width) : (info.Width, info.Height);
        if (width > _maxWidth || height > _maxHeight || (long)width * height > _maxPixels)
        {
            throw new ImageDecodingException(
                ImageErrorCode.ImageTooLarge,
                $"The image is {width}x{height} pixels; the limits are {_maxWidth}x{_maxHeight} and {_maxPixels} pixels.");
        }

        return (format, width, height, orientation);
    }

    // A value outside the eight EXIF defines (CIPA DC-008 Exif 2.32, tag 0x0112) turns nothing, to AutoOrient as to OpenCV.
    private static ushort ExifOrientationOf(ImageMetadata metadata) =>
        metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value is { } orientation and >= ExifOrientationMode.TopLeft and <= ExifOrientationMode.LeftBottom
            ? orientation
            : ExifOrientationMode.TopLeft;

    // EXIF orientations 5-8 (LeftTop, RightTop, RightBottom, LeftBottom) transpose the stored image
    // (CIPA DC-008 Exif 2.32, tag 0x0112), so the upright image is height x width.
    private static bool SwapsWidthAndHeight(ushort orientation) =>
        orientation is >= ExifOrientationMode.LeftTop and <= ExifOrientationMode.LeftBottom;

    // Turns the image by the orientation Identify read, so that it comes out at the size Identify reported
    // and counted: for a TIFF that is its tag, which ImageSharp leaves where AutoOrient does not look.
    private Image<Rgb24> DecodeUpright(Stream stream, ushort orientation)
    {
        Image<Rgb24>? image = null;
        try
        {
            image = Image.Load<Rgb24>(_configuration, stream);
            if (orientation != ExifOrientationMode.TopLeft)
            {
                (image.Metadata.ExifProfile ??= new ExifProfile()).SetValue(ExifTag.Orientation, orientation);
                image.Mutate(static context => context.AutoOrient());
            }

            return image;
        }
        catch (Exception exception) when (IsCodecFailure(exception))
        {
            image?.Dispose();
            throw MapCodecFailure(exception);
        }
    }

    // Malformed input makes codecs throw more than their own exception types: ImageSharp 2.1.13 throws
    // InvalidOperationException ("Sequence contains no elements") identifying a truncated TIFF. Every
    // exception from a codec is therefore a verdict on the input, except running out of process memory,
    // also when it surfaces wrapped: a type initialiser that ran out throws TypeInitializationException
    // (seen by an attacking session under a tight heap limit: a valid 10 MP JPEG answered invalid_image).
    internal static bool IsCodecFailure(Exception exception) =>
        exception is not OutOfMemoryException && exception.InnerException is not OutOfMemoryException;

    private static ImageDecodingException MapCodecFailure(Exception exception) => exception switch
    {
        // ImageSharp's own allocation limit (4 GB per buffer on 64-bit), reachable only with very high limits.
        InvalidMemoryOperationException => new(ImageErrorCode.ImageTooLarge, "The image needs more memory than the decoder may allocate.", exception),
        // Codecs throw NotSupportedException for format features they lack, e.g. animated WebP in 2.1.
        NotSupportedException => new(ImageErrorCode.UnsupportedFormat, $"The image uses a format feature that is not supported: {exception.Message}", exception),
        _ => new(ImageErrorCode.InvalidImage, "The image is corrupt or truncated.", exception),
    };

    // A private configuration, because Configuration.Default.Clone() shares its format registry with the
    // global default (ImageSharp 2.1.13). TGA and PBM are left out: no face photo arrives in them, and
    // TGA has no magic number, so its detector guesses from header fields. GIF and TIFF decode only the
    // first frame, so an animation of thousands of frames costs one frame.
    //
    // PNG, GIF and WebP metadata is not read at all: none of them orients the image here (OpenCV 4.6, the
    // reference, applies no WebP EXIF orientation either), and ImageSharp 2.1.13 inflates every compressed
    // PNG text chunk (zTXt, iTXt) whole, so 200 KB of zTXt became 2.7 GB of allocations and 9.7
    // CPU-seconds, 19 MB of GIF comments 122 MB (measured on this project's 2-core machine), and it
    // allocates a WebP EXIF, ICCP or XMP chunk by the size it declares, which a fourth attacking session hid
    // from every walk (2 GB from 92 bytes, or an OutOfMemoryException). JPEG metadata is bounded by
    // JpegMetadataBudget instead, because its EXIF orientation matters; TIFF metadata costs time linear in its
    // size (a 19 MB ICC tag decoded in under 50 CPU-milliseconds), so it keeps it. The EXIF and TIFF
    // directories of both cost the square of their entry count, which TiffDirectoryBudget bounds.
    //
    // Decoded pixels come from an allocator whose pool keeps at most 64 MB between requests: two 10 MP
    // photos (30 MB of RGB24 each) decoding at once on two cores. ImageSharp 2.1.13's default pool
    // keeps up to an eighth of the machine's memory (3 GB on a 24 GB host) and trims it only slowly
    // when idle, so one burst of large images would hold the process's memory for minutes; buffers
    // beyond the pool go back to the operating system as soon as the image is disposed.
    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new WebpConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new TiffConfigurationModule());
        configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 64 });
        // One thread per image: images are decoded side by side on the pipeline's compute threads, and a
        // row-parallel step (an EXIF rotation) would otherwise spread onto the thread pool, which is
        // kept free for I/O and quick refusals.
        configuration.MaxDegreeOfParallelism = 1;
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(WebpFormat.Instance, new WebpDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First, IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
