using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// The PNG fast path against ImageSharp's own decode, byte for byte, on PNGs written by ImageSharp's encoder
/// (every filter, colour type and several compression levels) and by OpenCV; and that it leaves everything
/// else to ImageSharp, so answers for those stay as they were.
/// </summary>
public sealed class PngFastDecoderTests
{
    private static readonly Lazy<byte[]> AlignedCrop = new(() => AlignedCrops.OfReferenceFace("obama.jpg"));

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    public static TheoryData<PngColorType, PngFilterMethod> ColorTypesAndFilters()
    {
        var data = new TheoryData<PngColorType, PngFilterMethod>();
        foreach (var colorType in new[] { PngColorType.Grayscale, PngColorType.GrayscaleWithAlpha, PngColorType.Rgb, PngColorType.RgbWithAlpha, PngColorType.Palette })
        {
            foreach (var filter in new[] { PngFilterMethod.None, PngFilterMethod.Sub, PngFilterMethod.Up, PngFilterMethod.Average, PngFilterMethod.Paeth, PngFilterMethod.Adaptive })
            {
                data.Add(colorType, filter);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ColorTypesAndFilters))]
    public void Decodes_an_aligned_crop_to_imagesharps_pixels_at_every_compression_level(PngColorType colorType, PngFilterMethod filter)
    {
        using var crop = WithVaryingAlpha(Image.Load<Rgb24>(AlignedCrop.Value));

        foreach (var level in new[] { PngCompressionLevel.Level0, PngCompressionLevel.Level1, PngCompressionLevel.Level6, PngCompressionLevel.Level9 })
        {
            AssertFastPathGivesImageSharpsPixels(Encode(crop, colorType, filter, level), $"{colorType}, {filter}, {level}");
        }
    }

    [Theory]
    [MemberData(nameof(ColorTypesAndFilters))]
    public void Decodes_a_photo_to_imagesharps_pixels(PngColorType colorType, PngFilterMethod filter)
    {
        // Half size (455x568): several IDAT chunks, and quick to encode.
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        var halfSize = photo.Size() / 2;
        photo.Mutate(context => context.Resize(halfSize));
        using var translucent = WithVaryingAlpha(photo);

        AssertFastPathGivesImageSharpsPixels(Encode(translucent, colorType, filter, PngCompressionLevel.DefaultCompression), $"{colorType}, {filter}");
    }

    [Theory]
    [MemberData(nameof(ColorTypesAndFilters))]
    public void Decodes_odd_widths_to_imagesharps_pixels(PngColorType colorType, PngFilterMethod filter)
    {
        using var photo = WithVaryingAlpha(Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg")));

        foreach (var width in new[] { 1, 2, 3, 5, 113 })
        {
            using var strip = photo.Clone(context => context.Crop(new Rectangle(300, 400, width, 9)));
            AssertFastPathGivesImageSharpsPixels(Encode(strip, colorType, filter, PngCompressionLevel.DefaultCompression), $"{colorType}, {filter}, {width} px wide");
        }
    }

    public static TheoryData<string> OpenCvPngs => [.. new[] { "enlarge_2.1x.png", "portrait_2.2x.png", "shrink_1.56x.png", "letterbox_1000x667_expected.png" }];

    // Written by OpenCV 4.6's imwrite (tests/testdata/SOURCES.md): libpng with the Sub filter, zlib level 1.
    [Theory]
    [MemberData(nameof(OpenCvPngs))]
    public void Decodes_pngs_written_by_opencv_to_imagesharps_pixels(string fileName) =>
        AssertFastPathGivesImageSharpsPixels(File.ReadAllBytes(TestData.Path($"resize/{fileName}")), fileName);

    [Fact]
    public void Decodes_the_shared_rgba_png_to_imagesharps_pixels() =>
        AssertFastPathGivesImageSharpsPixels(TestData.ReadFacePhoto("32bit.png"), "32bit.png");

    [Theory]
    [InlineData(PngColorType.Rgb)]
    [InlineData(PngColorType.Grayscale)]
    public void Decodes_a_png_with_a_transparent_colour_key_to_imagesharps_pixels(PngColorType colorType)
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        var keyColour = crop[56, 56];
        var metadata = crop.Metadata.GetPngMetadata();
        metadata.HasTransparency = true;
        metadata.TransparentRgb24 = keyColour;
        metadata.TransparentL8 = new L8(keyColour.G);
        var png = Encode(crop, colorType, PngFilterMethod.Adaptive, PngCompressionLevel.DefaultCompression);
        Assert.Contains(CraftedImages.PngChunks(png), chunk => chunk.Type == "tRNS");

        AssertFastPathGivesImageSharpsPixels(png, $"{colorType} with tRNS");
    }

    public static TheoryData<string> UncoveredPngs => [.. UncoveredEncoders.Keys];

    private static readonly Dictionary<string, PngEncoder> UncoveredEncoders = new()
    {
        ["16-bit RGB"] = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 },
        ["16-bit grey"] = new() { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 },
        ["4-bit grey"] = new() { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit4 },
        ["Adam7-interlaced RGB"] = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, InterlaceMethod = PngInterlaceMode.Adam7 },
    };

    [Theory]
    [MemberData(nameof(UncoveredPngs))]
    public void Leaves_uncovered_pngs_to_imagesharp(string kind)
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        var png = Encode(crop, UncoveredEncoders[kind]);
        using var expected = Image.Load<Rgb24>(png);

        using var decoded = _decoder.Decode(_decoder.Identify(png), out var decodedByPngFastPath);

        Assert.False(decodedByPngFastPath, $"{kind} should be left to ImageSharp");
        AssertSamePixels(expected, decoded, kind);
    }

    [Fact]
    public void Refuses_a_png_with_a_corrupt_idat_crc_as_before()
    {
        var png = CropPng();
        png[ChunkEnd(png, "IDAT") - 1] ^= 0x01;

        Assert.False(PngFastDecoder.TryDecode(Unchecked(png), Configuration.Default, out _));
        // ImageSharp refuses a wrong CRC on a critical chunk (already when identifying).
        Assert.Throws<InvalidImageContentException>(() => Image.Load<Rgb24>(png).Dispose());
        Assert.Equal(ImageErrorCode.InvalidImage, Assert.Throws<ImageDecodingException>(() => _decoder.Decode(png).Dispose()).Code);
    }

    public static TheoryData<string> MalformedPngs => [.. Malformations.Keys];

    // Each turns a valid 112x112 RGB crop into a PNG with correct CRCs that the fast path must decline.
    private static readonly Dictionary<string, Func<byte[], byte[]>> Malformations = new()
    {
        ["zlib data ending before the last row"] = png => WithScanlines(png, scanlines => Zlib(scanlines[..(scanlines.Length / 2)])),
        ["zlib data inflating to more than the image"] = png => WithScanlines(png, scanlines => Zlib([.. scanlines, .. new byte[1000]])),
        ["a wrong Adler-32"] = png => WithScanlines(png, scanlines => Flip(Zlib(scanlines), ^1)),
        ["corrupt deflate data"] = png => WithScanlines(png, scanlines => Flip(Zlib(scanlines), ^400)),
        // Filter types are 0 to 4 (ISO/IEC 15948, 9.2); the second row's becomes 5.
        ["an unknown filter type"] = png => WithScanlines(png, scanlines => Zlib(WithByte(scanlines, 1 + (3 * 112), 5))),
        // FLG 0xBB sets FDICT and keeps (CMF * 256 + FLG) a multiple of 31; then a dictionary id (RFC 1950, 2.2).
        ["a zlib header asking for a preset dictionary"] = png => WithScanlines(png, scanlines => [0x78, 0xBB, 0, 0, 0, 0, .. Zlib(scanlines)[2..]]),
        ["an unknown critical chunk"] = png => Inserted(png, "IDAT", ("TeSt", [1, 2, 3])),
        ["IDAT chunks split by an ancillary chunk"] = png => SplitData(png, ("tEXt", "Comment\0split"u8.ToArray())),
        ["an empty IDAT chunk between two"] = png => SplitData(png, ("IDAT", [])),
    };

    [Theory]
    [MemberData(nameof(MalformedPngs))]
    public void Leaves_malformed_pngs_to_imagesharp_and_answers_as_before(string malformation)
    {
        var png = Malformations[malformation](CropPng());

        Assert.False(PngFastDecoder.TryDecode(Unchecked(png), Configuration.Default, out _), malformation);
        AssertSameOutcomeAsImageSharp(png, malformation);
    }

    [Fact]
    public void Leaves_a_palette_index_beyond_the_palette_to_imagesharp()
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        var png = Encode(crop, PngColorType.Palette, PngFilterMethod.None, PngCompressionLevel.DefaultCompression);
        var chunks = CraftedImages.PngChunks(png).ToList();
        var paletteIndex = chunks.FindIndex(chunk => chunk.Type == "PLTE");
        chunks[paletteIndex] = ("PLTE", chunks[paletteIndex].Data[..(3 * 16)]);
        var shortPalette = CraftedImages.PngOf(chunks);
        Assert.True(PngFastDecoder.TryDecode(Unchecked(png), Configuration.Default, out var whole), "the full palette is covered");
        whole.Dispose();

        // ImageSharp 2.1.13 reads such an index past its palette array: the answer is whatever it was before.
        Assert.False(PngFastDecoder.TryDecode(Unchecked(shortPalette), Configuration.Default, out _));
    }

    private void AssertFastPathGivesImageSharpsPixels(byte[] png, string what)
    {
        using var expected = Image.Load<Rgb24>(png);

        using var decoded = _decoder.Decode(_decoder.Identify(png), out var decodedByPngFastPath);

        Assert.True(decodedByPngFastPath, $"{what}: the fast path declined it");
        AssertSamePixels(expected, decoded, what);
    }

    private void AssertSameOutcomeAsImageSharp(byte[] png, string what)
    {
        Image<Rgb24> expected;
        try
        {
            expected = Image.Load<Rgb24>(png);
        }
        catch (Exception failure) when (failure is ImageFormatException or InvalidImageContentException)
        {
            Assert.Equal(ImageErrorCode.InvalidImage, Assert.Throws<ImageDecodingException>(() => _decoder.Decode(png).Dispose()).Code);
            return;
        }

        using (expected)
        {
            using var decoded = _decoder.Decode(png);
            AssertSamePixels(expected, decoded, what);
        }
    }

    private static void AssertSamePixels(Image<Rgb24> expected, Image<Rgb24> actual, string what)
    {
        Assert.Equal(expected.Size(), actual.Size());
        var expectedPixels = new Rgb24[expected.Width * expected.Height];
        var actualPixels = new Rgb24[expectedPixels.Length];
        expected.CopyPixelDataTo(expectedPixels);
        actual.CopyPixelDataTo(actualPixels);
        var expectedBytes = MemoryMarshal.AsBytes(expectedPixels.AsSpan());
        var sameBytes = expectedBytes.CommonPrefixLength(MemoryMarshal.AsBytes(actualPixels.AsSpan()));
        Assert.True(sameBytes == expectedBytes.Length, $"{what}: first different byte {sameBytes}, row {sameBytes / (3 * expected.Width)}");
    }

    // Alpha that changes from pixel to pixel, so a decoder that composited it instead of dropping it would differ.
    private static Image<Rgba32> WithVaryingAlpha(Image<Rgb24> image)
    {
        var translucent = image.CloneAs<Rgba32>();
        translucent.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x].A = (byte)((7 * x) + (13 * y));
                }
            }
        });
        return translucent;
    }

    private static byte[] Encode(Image image, PngColorType colorType, PngFilterMethod filter, PngCompressionLevel level) =>
        Encode(image, new PngEncoder { ColorType = colorType, BitDepth = PngBitDepth.Bit8, FilterMethod = filter, CompressionLevel = level });

    private static byte[] Encode(Image image, PngEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static byte[] CropPng()
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        return Encode(crop, PngColorType.Rgb, PngFilterMethod.Adaptive, PngCompressionLevel.DefaultCompression);
    }

    // What Identify would return, without Identify's own checks, so the fast path alone judges the bytes.
    private static IdentifiedImage Unchecked(byte[] png)
    {
        var header = CraftedImages.PngChunks(png)[0].Data;
        return new IdentifiedImage(png, PngFormat.Instance, BinaryPrimitives.ReadInt32BigEndian(header), BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
    }

    // Offset just past the CRC of the first chunk of this type.
    private static int ChunkEnd(byte[] png, string type)
    {
        var position = 8;
        foreach (var chunk in CraftedImages.PngChunks(png))
        {
            position += 12 + chunk.Data.Length;
            if (chunk.Type == type)
            {
                return position;
            }
        }

        throw new ArgumentException($"No {type} chunk.", nameof(type));
    }

    // The PNG with its image data replaced by what rewrite makes of its filtered scanlines, in one IDAT.
    private static byte[] WithScanlines(byte[] png, Func<byte[], byte[]> rewrite)
    {
        var chunks = CraftedImages.PngChunks(png);
        using var compressed = new MemoryStream([.. chunks.Where(chunk => chunk.Type == "IDAT").SelectMany(chunk => chunk.Data)]);
        using var scanlines = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(scanlines);
        }

        var data = rewrite(scanlines.ToArray());
        return CraftedImages.PngOf([.. chunks.Where(chunk => chunk.Type != "IDAT" && chunk.Type != "IEND"), ("IDAT", data), ("IEND", [])]);
    }

    private static byte[] Zlib(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return compressed.ToArray();
    }

    private static byte[] Flip(byte[] data, Index index) => WithByte(data, index, (byte)(data[index] ^ 0x01));

    private static byte[] WithByte(byte[] data, Index index, byte value)
    {
        var copy = data.ToArray();
        copy[index] = value;
        return copy;
    }

    private static byte[] Inserted(byte[] png, string beforeType, (string Type, byte[] Data) extra)
    {
        var chunks = CraftedImages.PngChunks(png).ToList();
        chunks.Insert(chunks.FindIndex(chunk => chunk.Type == beforeType), extra);
        return CraftedImages.PngOf(chunks);
    }

    // The image data in two IDAT chunks with extra between them.
    private static byte[] SplitData(byte[] png, (string Type, byte[] Data) extra)
    {
        var chunks = CraftedImages.PngChunks(WithScanlines(png, Zlib)).ToList();
        var data = chunks.FindIndex(chunk => chunk.Type == "IDAT");
        var compressed = chunks[data].Data;
        chunks.RemoveAt(data);
        chunks.InsertRange(data, [("IDAT", compressed[..100]), extra, ("IDAT", compressed[100..])]);
        return CraftedImages.PngOf(chunks);
    }
}
