using System.Buffers.Binary;
using System.Text;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Recognises image formats that are common in uploads but that ImageSharp 2.1 cannot decode, so a client
/// sending them learns "unsupported format" instead of "invalid image". Only formats with a reliable magic
/// number are listed; anything else unknown is treated as invalid.
/// </summary>
internal static class KnownUnsupportedFormats
{
    private const string Heif = "HEIF/HEIC";
    private const string Avif = "AVIF";

    private static readonly (string Name, byte[] Magic)[] Signatures =
    [
        // JPEG XL container box and bare codestream (ISO/IEC 18181-2, 3.1; ISO/IEC 18181-1, 9.1).
        ("JPEG XL", [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]),
        ("JPEG XL", [0xFF, 0x0A]),
        // JPEG 2000 signature box and bare codestream SOC+SIZ markers (ISO/IEC 15444-1, I.5.1 and A.2).
        ("JPEG 2000", [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]),
        ("JPEG 2000", [0xFF, 0x4F, 0xFF, 0x51]),
        // Photoshop: "8BPS" (Adobe Photoshop File Formats Specification, File Header Section).
        ("PSD", "8BPS"u8.ToArray()),
        // Windows icon: ICONDIR reserved 0, type 1 (Microsoft Learn, "Icons" resource format).
        ("ICO", [0x00, 0x00, 0x01, 0x00]),
    ];

    // ISO base media file brands (ISO/IEC 14496-12, 4.3 'ftyp'): HEIF image and sequence brands from
    // ISO/IEC 23008-12, Annex B; AVIF brands from the AV1 Image File Format specification, 9.1.
    private static readonly string[] HeifBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"];
    private static readonly string[] AvifBrands = ["avif", "avis"];

    /// <summary>Names the unsupported format <paramref name="encoded"/> starts with, or returns <see langword="null"/>.</summary>
    internal static string? Recognize(ReadOnlySpan<byte> encoded)
    {
        foreach (var (name, magic) in Signatures)
        {
            if (encoded.StartsWith(magic))
            {
                return name;
            }
        }

        return RecognizeIsoMediaBrand(encoded);
    }

    private static string? RecognizeIsoMediaBrand(ReadOnlySpan<byte> encoded)
    {
        // Box layout: 32-bit size, "ftyp", major brand, minor version, then compatible brands to the box end.
        const int MajorBrandOffset = 8;
        const int CompatibleBrandsOffset = 16;
        if (encoded.Length < CompatibleBrandsOffset || !encoded[4..8].SequenceEqual("ftyp"u8))
        {
            return null;
        }

        var boxEnd = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(encoded), (uint)encoded.Length);
        var format = ClassifyBrand(encoded.Slice(MajorBrandOffset, 4));
        // AVIF files also list the generic HEIF brand "mif1"; AVIF is the more useful answer, so it wins.
        for (var offset = CompatibleBrandsOffset; offset + 4 <= boxEnd && format != Avif; offset += 4)
        {
            format = ClassifyBrand(encoded.Slice(offset, 4)) ?? format;
        }

        return format;
    }

    private static string? ClassifyBrand(ReadOnlySpan<byte> brand)
    {
        var name = Encoding.ASCII.GetString(brand);
        return AvifBrands.Contains(name) ? Avif : HeifBrands.Contains(name) ? Heif : null;
    }
}
