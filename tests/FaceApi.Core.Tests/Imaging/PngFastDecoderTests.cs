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
/// (every filter, colour type and several compression levels) and by OpenCV; that it leaves everything else to
/// ImageSharp, so answers for those stay as they were; and that it refuses palette images ImageSharp would read
/// beyond their palette.
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

    // 9000 RGBA pixels make rows of 36,001 bytes, so a 64 KiB band holds one row: each row's "above" comes
    // from the band before. The default MaxWidth (12,000) admits it.
    [Theory]
    [InlineData(PngFilterMethod.Sub)]
    [InlineData(PngFilterMethod.Up)]
    [InlineData(PngFilterMethod.Average)]
    [InlineData(PngFilterMethod.Paeth)]
    [InlineData(PngFilterMethod.Adaptive)]
    public void Decodes_rows_wider_than_half_a_band_to_imagesharps_pixels(PngFilterMethod filter)
    {
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        photo.Mutate(context => context.Resize(9000, 3));
        using var wide = WithVaryingAlpha(photo);

        AssertFastPathGivesImageSharpsPixels(Encode(wide, PngColorType.RgbWithAlpha, filter, PngCompressionLevel.DefaultCompression), $"9000x3, {filter}");
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

    [Fact]
    public void Decodes_a_palette_png_with_transparency_to_imagesharps_pixels()
    {
        using var translucent = WithVaryingAlpha(Image.Load<Rgb24>(AlignedCrop.Value));
        var png = Encode(translucent, PngColorType.Palette, PngFilterMethod.Adaptive, PngCompressionLevel.DefaultCompression);
        var chunks = CraftedImages.PngChunks(png);
        var paletteEntries = chunks.Single(chunk => chunk.Type == "PLTE").Data.Length / 3;
        var transparency = chunks.Single(chunk => chunk.Type == "tRNS").Data;
        Assert.InRange(transparency.Length, 2, paletteEntries);

        AssertFastPathGivesImageSharpsPixels(png, "palette with tRNS");

        // A tRNS chunk longer than the palette (an error, 11.3.2.1): ImageSharp 2.1.13 reads alpha only for indices
        // within it, and drops alpha decoding to RGB, so the pixels are the same.
        var longTransparency = CraftedImages.PngOf(chunks.Select(chunk => chunk.Type == "tRNS" ? ("tRNS", [.. transparency, .. new byte[paletteEntries]]) : chunk));
        AssertFastPathGivesImageSharpsPixels(longTransparency, "palette with a tRNS longer than the palette");
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

        AssertLeftToImageSharp(Encode(crop, UncoveredEncoders[kind]), kind);
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
        // Bits 1-2 of a deflate block's first byte are its type; 3 is reserved, an error (RFC 1951, 3.2.3). The
        // first block starts after the 2-byte zlib header.
        ["corrupt deflate data"] = png => WithScanlines(png, scanlines => WithByte(Zlib(scanlines), 2, (byte)(Zlib(scanlines)[2] | 0x06))),
        // Filter types are 0 to 4 (ISO/IEC 15948, 9.2); the second row's becomes 5.
        ["an unknown filter type"] = png => WithScanlines(png, scanlines => Zlib(WithByte(scanlines, 1 + (3 * 112), 5))),
        // CM 9 is not deflate (RFC 1950, 2.2); FLG 0x4C keeps (CMF * 256 + FLG) a multiple of 31.
        ["a compression method other than deflate"] = png => WithScanlines(png, scanlines => [0x79, 0x4C, .. Zlib(scanlines)[2..]]),
        ["an unknown critical chunk"] = png => Inserted(png, "IDAT", ("TeSt", [1, 2, 3])),
        ["IDAT chunks split by an ancillary chunk"] = png => SplitData(png, ("tEXt", "Comment\0split"u8.ToArray())),
        ["an empty IDAT chunk between two"] = png => SplitData(png, ("IDAT", [])),
        // pHYs data is 9 bytes (11.3.5.3).
        ["a pHYs chunk of 8 bytes"] = png => Inserted(png, "IDAT", ("pHYs", new byte[8])),
        // A suggested palette, which truecolour images may carry (11.2.3).
        ["a PLTE chunk in an RGB image"] = png => Inserted(png, "IDAT", ("PLTE", new byte[3 * 16])),
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
    public void Declines_a_png_without_iend_which_the_decoder_refuses_as_truncated()
    {
        var png = CropPng();
        Assert.Equal("IEND", CraftedImages.PngChunks(png)[^1].Type);
        var withoutEnd = png[..^12]; // IEND: length, type and CRC, no data

        Assert.False(PngFastDecoder.TryDecode(Unchecked(withoutEnd), Configuration.Default, out _));
        Assert.Equal(ImageErrorCode.InvalidImage, Assert.Throws<ImageDecodingException>(() => _decoder.Decode(withoutEnd).Dispose()).Code);
    }

    public static TheoryData<string> ToleratedQuirks => [.. Quirks.Keys];

    // Each turns a valid 112x112 RGB crop into a PNG that ImageSharp 2.1.13 decodes to the crop's pixels, because
    // it reads raw deflate data after the zlib header and stops after the last row (RFC 1950, 2.2).
    private static readonly Dictionary<string, Func<byte[], byte[]>> Quirks = new()
    {
        ["a wrong Adler-32"] = png => WithScanlines(png, scanlines => Flip(Zlib(scanlines), ^1)),
        ["zlib data inflating to more than the image"] = png => WithScanlines(png, scanlines => Zlib([.. scanlines, .. new byte[1000]])),
        // FLG 0xBB sets FDICT and keeps (CMF * 256 + FLG) a multiple of 31; then a dictionary id, never used.
        ["a zlib header naming a preset dictionary it does not use"] = png => WithScanlines(png, scanlines => [0x78, 0xBB, 0, 0, 0, 0, .. Zlib(scanlines)[2..]]),
    };

    [Theory]
    [MemberData(nameof(ToleratedQuirks))]
    public void Decodes_zlib_quirks_imagesharp_tolerates_to_its_pixels(string quirk)
    {
        var png = Quirks[quirk](CropPng());
        using var crop = Image.Load<Rgb24>(CropPng());
        using var tolerated = Image.Load<Rgb24>(png);
        AssertSamePixels(crop, tolerated, $"ImageSharp, {quirk}");

        AssertFastPathGivesImageSharpsPixels(png, quirk);
    }

    public static TheoryData<string> PalettesImageSharpWouldReadBeyond => [.. PaletteMalformations.Keys];

    // Each turns a valid 112x112 palette crop (256 colours, 8 bits per index) into a PNG with correct CRCs that
    // ImageSharp 2.1.13 would decode reading beyond its palette (without one, through a null reference), or (the
    // last two) a malformed one the fast path used to leave to ImageSharp, indices unchecked.
    private static readonly Dictionary<string, Func<byte[], byte[]>> PaletteMalformations = new()
    {
        ["indices beyond a palette cut to 16 colours"] = png => CraftedImages.PngWithPaletteCutTo(png, 16),
        ["indices beyond the palette in the rows before the data ends"] = png =>
            WithScanlines(CraftedImages.PngWithPaletteCutTo(png, 16), scanlines => Zlib(scanlines[..(scanlines.Length / 2)])),
        ["no palette"] = png => CraftedImages.PngOf(CraftedImages.PngChunks(png).Where(chunk => chunk.Type != "PLTE")),
        ["a palette of 0 bytes"] = png => WithPalette(png, _ => []),
        ["a palette that is not a whole number of colours"] = png => WithPalette(png, palette => palette[..^1]),
        ["a palette after the image data"] = png => CraftedImages.PngOf([.. CraftedImages.PngChunks(png).Where(chunk => chunk.Type is not ("PLTE" or "IEND")), .. CraftedImages.PngChunks(png).Where(chunk => chunk.Type is "PLTE" or "IEND")]),
        ["IDAT chunks split by an ancillary chunk"] = png => SplitData(png, ("tEXt", "Comment\0split"u8.ToArray())),
        ["an unknown critical chunk"] = png => Inserted(png, "IDAT", ("TeSt", [1, 2, 3])),
    };

    [Theory]
    [MemberData(nameof(PalettesImageSharpWouldReadBeyond))]
    public void Refuses_a_palette_png_imagesharp_would_read_beyond_its_palette_as_invalid(string malformation)
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        var palettePng = Encode(crop, PngColorType.Palette, PngFilterMethod.Adaptive, PngCompressionLevel.DefaultCompression);
        Assert.Equal(3 * 256, CraftedImages.PngChunks(palettePng).Single(chunk => chunk.Type == "PLTE").Data.Length);
        var png = PaletteMalformations[malformation](palettePng);

        var refusal = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(png).Dispose());

        Assert.Equal(ImageErrorCode.InvalidImage, refusal.Code);
        Assert.StartsWith("The PNG image is corrupt", refusal.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> PaletteKindsLeftToImageSharp => [.. PaletteEncoders.Keys];

    private static readonly Dictionary<string, PngEncoder> PaletteEncoders = new()
    {
        ["4-bit palette"] = new() { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit4 },
        ["Adam7-interlaced palette"] = new() { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8, InterlaceMethod = PngInterlaceMode.Adam7 },
    };

    // Palette images the fast path does not decode go to ImageSharp only with an entry for every index their
    // pixels can hold (16 at 4 bits, 256 at 8), since it does not check indices.
    [Theory]
    [MemberData(nameof(PaletteKindsLeftToImageSharp))]
    public void Leaves_a_palette_kind_it_does_not_decode_to_imagesharp_only_with_a_full_palette(string kind)
    {
        using var crop = Image.Load<Rgb24>(AlignedCrop.Value);
        var png = Encode(crop, PaletteEncoders[kind]);
        var paletteEntries = CraftedImages.PngChunks(png).Single(chunk => chunk.Type == "PLTE").Data.Length / 3;
        Assert.Equal(kind.StartsWith("4-bit", StringComparison.Ordinal) ? 16 : 256, paletteEntries);

        AssertLeftToImageSharp(png, kind);
        var shortPalette = CraftedImages.PngWithPaletteCutTo(png, paletteEntries - 1);
        Assert.Equal(ImageErrorCode.InvalidImage, Assert.Throws<ImageDecodingException>(() => _decoder.Decode(shortPalette).Dispose()).Code);
    }

    private void AssertFastPathGivesImageSharpsPixels(byte[] png, string what)
    {
        using var expected = Image.Load<Rgb24>(png);

        using var decoded = _decoder.Decode(_decoder.Identify(png), out var decodedByPngFastPath);

        Assert.True(decodedByPngFastPath, $"{what}: the fast path declined it");
        AssertSamePixels(expected, decoded, what);
    }

    private void AssertLeftToImageSharp(byte[] png, string what)
    {
        using var expected = Image.Load<Rgb24>(png);

        using var decoded = _decoder.Decode(_decoder.Identify(png), out var decodedByPngFastPath);

        Assert.False(decodedByPngFastPath, $"{what} should be left to ImageSharp");
        AssertSamePixels(expected, decoded, what);
    }

    private void AssertSameOutcomeAsImageSharp(byte[] png, string what)
    {
        Image<Rgb24> expected;
        try
        {
            expected = Image.Load<Rgb24>(png);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // ImageSharp's verdict, whatever the exception: ImageDecoder takes every one but OutOfMemoryException as
            // a verdict on the input.
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

    private static byte[] WithPalette(byte[] png, Func<byte[], byte[]> rewrite) =>
        CraftedImages.PngOf(CraftedImages.PngChunks(png).Select(chunk => chunk.Type == "PLTE" ? (chunk.Type, rewrite(chunk.Data)) : chunk));

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
