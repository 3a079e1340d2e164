using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Limits that <see cref="ImageDecoder"/> enforces before it spends memory on pixels. The defaults admit
/// photos from 40-50 MP cameras (a 40 MP 3:2 sensor is 7728x5152, e.g. Fujifilm X-T5) and refuse anything
/// that would only exhaust memory.
/// </summary>
public sealed class ImageDecodingOptions
{
    /// <summary>
    /// The largest encoded image accepted, in bytes. Default 20 MiB: a 40 MP JPEG at quality 95 is
    /// typically 15-20 MB (about 3-4 bits per pixel); PNGs of that size are smaller than their pixels.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxEncodedBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// The widest image accepted, in pixels, after EXIF orientation. Default 12000: above the 8736 px width
    /// of today's largest full-frame sensors (61 MP) and leaves room for crops from medium format.
    /// The upper bound is JPEG's 16-bit dimension field (ITU-T T.81, B.2.2).
    /// </summary>
    [Range(1, 65_535)]
    public int MaxWidth { get; set; } = 12_000;

    /// <summary>The tallest image accepted, in pixels, after EXIF orientation. Default 12000, as <see cref="MaxWidth"/>.</summary>
    [Range(1, 65_535)]
    public int MaxHeight { get; set; } = 12_000;

    /// <summary>
    /// The most pixels accepted (width times height), and the most memory decoding may hold, counted in
    /// RGB24 pixels (3 bytes): the pixels and the decoder's own buffers (a progressive JPEG's coefficients,
    /// 2 bytes a sample; a TIFF's strip buffer; <see cref="IdentifiedImage.DecodingPixels"/>). Default
    /// 50,000,000: a 40 MP photo with margin, which decodes to 150 MB of RGB24; a progressive 4:2:0 JPEG
    /// fits up to 25 MP. The upper bound, 10^9 pixels (3 GB of RGB24), stays below ImageSharp 2.1's 4 GB
    /// limit on a single buffer on 64-bit processes.
    /// </summary>
    [Range(1, 1_000_000_000)]
    public int MaxPixels { get; set; } = 50_000_000;

    /// <summary>
    /// The most metadata segments (APPn and COM) a JPEG may carry. Default 32: the photos in the shared test
    /// data carry 1 to 6 (JFIF, EXIF, XMP, ICC, IPTC, Adobe), and a large ICC profile or extended XMP adds a
    /// few more of at most 64 KB each. ImageSharp's cost grows with segments times bytes (measured
    /// in <c>JpegMetadataBudget</c>), so both are bounded.
    /// </summary>
    [Range(1, 65_535)]
    public int MaxMetadataSegments { get; set; } = 32;

    /// <summary>
    /// The most bytes of metadata segments a JPEG may carry. Default 1 MiB: the test photos carry at most
    /// 32 KB, and a camera's EXIF with its thumbnail stays within one 64 KB segment.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxMetadataBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The most EXIF or TIFF directory entries an image may declare, counting each directory as one too:
    /// a JPEG's or WebP's EXIF, and a TIFF file's own tags. Default 1024: the photos in the shared test data
    /// carry 0 to 59 (directories included), and ImageSharp's cost grows with the square of the entries
    /// (65,000 cost over 35 CPU-seconds, <c>TiffDirectoryBudget</c>; 1,023 added about 45 ms to a photo's
    /// 32 ms decode, <c>MetadataBombTests</c>). The upper bound is a classic TIFF directory's 16-bit count.
    /// </summary>
    [Range(1, 65_535)]
    public int MaxMetadataEntries { get; set; } = 1024;

    /// <summary>
    /// The most scans a JPEG may have. Default 32: progressive encoders write 10 for a colour photo
    /// (libjpeg's and mozjpeg's scripts) and a baseline JPEG at most one per component (4), while each scan
    /// costs a pass over the image (measured in <c>JpegStructureCheck</c>: about 37 CPU-ms per scan at
    /// 7000x7000, so at most about 1.2 s more at this limit).
    /// </summary>
    [Range(4, 65_535)]
    public int MaxJpegScans { get; set; } = 32;
}
