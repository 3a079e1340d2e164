using System.Buffers.Binary;
using System.IO.Compression;

namespace FaceApi.Testing;

/// <summary>
/// Hand-built image files for cases no encoder writes: lying headers and pathological animations.
/// Shared by the decoder tests and the service's hardening tests.
/// </summary>
public static class CraftedImages
{
    /// <summary>
    /// A structurally valid PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> RGB
    /// pixels but which carries no pixel data: signature, IHDR, IEND, with correct CRCs (ISO/IEC 15948, 5.2-5.3, 11.2.2).
    /// </summary>
    public static byte[] PngHeaderDeclaring(int width, int height) => RgbPng(width, height, compressedPixels: null);

    /// <summary>
    /// A complete, valid all-black PNG of <paramref name="width"/> x <paramref name="height"/> RGB pixels: small
    /// on the wire, since zlib squeezes rows of zeros about 1000-fold (7000x7000, 147 MB decoded, is about 140 KB).
    /// </summary>
    public static byte[] BlackPng(int width, int height)
    {
        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // Each scanline: filter type 0 (None), then 3 zero bytes per pixel (ISO/IEC 15948, 7.2 and 9.2).
            var row = new byte[1 + (3 * width)];
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        return RgbPng(width, height, pixels.ToArray());
    }

    // Signature, IHDR for 8-bit truecolour, the IDAT when there is one, IEND.
    private static byte[] RgbPng(int width, int height, byte[]? compressedPixels)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour
        List<(string, byte[])> chunks = [("IHDR", header)];
        if (compressedPixels is not null)
        {
            chunks.Add(("IDAT", compressedPixels));
        }

        chunks.Add(("IEND", []));
        return PngOf(chunks);
    }

    /// <summary>
    /// A GIF89a with a <paramref name="canvasSize"/>-square logical screen and <paramref name="frameCount"/>
    /// one-pixel frames. Each frame is 21 bytes, but a decoder that composes every frame allocates a full
    /// canvas per frame, so decoding them all costs frameCount x canvas pixels.
    /// </summary>
    public static byte[] GifWithOnePixelFrames(int canvasSize, int frameCount)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        Span<byte> screen = stackalloc byte[7]; // logical screen descriptor, no global colour table (GIF89a, 18)
        BinaryPrimitives.WriteUInt16LittleEndian(screen, (ushort)canvasSize);
        BinaryPrimitives.WriteUInt16LittleEndian(screen[2..], (ushort)canvasSize);
        gif.Write(screen);
        Span<byte> frame = stackalloc byte[21];
        for (var index = 0; index < frameCount; index++)
        {
            frame.Clear();
            frame[0] = 0x2C; // image separator (GIF89a, 20)
            BinaryPrimitives.WriteUInt16LittleEndian(frame[1..], (ushort)(index % canvasSize));
            BinaryPrimitives.WriteUInt16LittleEndian(frame[3..], (ushort)(index / canvasSize % canvasSize));
            frame[5] = 1; // width
            frame[7] = 1; // height
            frame[9] = 0x80; // local colour table of 2 entries, then 6 bytes of black and white
            frame[13] = frame[14] = frame[15] = 0xFF;
            // LZW minimum code size 2, one 2-byte sub-block holding CLEAR(4), index 0, EOI(5) as 3-bit
            // codes packed LSB first (GIF89a, Appendix F), then the block terminator.
            frame[16] = 0x02;
            frame[17] = 0x02;
            frame[18] = 0x44;
            frame[19] = 0x01;
            frame[20] = 0x00;
            gif.Write(frame);
        }

        gif.WriteByte(0x3B); // trailer
        return gif.ToArray();
    }

    /// <summary>
    /// The start of an animated WebP: RIFF header, VP8X with the animation flag (0x02) and an ANIM chunk
    /// (WebP container specification, "Extended File Format").
    /// </summary>
    public static byte[] AnimatedWebpHeader()
    {
        byte[] vp8x = [0x02, 0, 0, 0, 99, 0, 0, 99, 0, 0]; // flags, reserved, canvas width-1 and height-1 (24-bit)
        byte[] anim = [0, 0, 0, 0, 0, 0]; // background colour, loop count
        using var body = new MemoryStream();
        body.Write("WEBP"u8);
        WriteRiffChunk(body, "VP8X"u8, vp8x);
        WriteRiffChunk(body, "ANIM"u8, anim);
        using var webp = new MemoryStream();
        webp.Write("RIFF"u8);
        WriteUInt32LittleEndian(webp, (uint)body.Length);
        body.WriteTo(webp);
        return webp.ToArray();
    }

    /// <summary>Identifiers that open an EXIF, an ICC and an XMP APPn segment (CIPA DC-008 4.7.2; ICC.1 B.4; XMP part 3, 1.1.3).</summary>
    public static class JpegMetadata
    {
        public const byte App1 = 0xE1;
        public const byte App2 = 0xE2;
        public static readonly byte[] Exif = "Exif\0\0"u8.ToArray();
        public static readonly byte[] Icc = "ICC_PROFILE\0"u8.ToArray();
        public static readonly byte[] Xmp = "http://ns.adobe.com/xap/1.0/\0"u8.ToArray();
    }

    /// <summary>
    /// <paramref name="jpeg"/> with <paramref name="count"/> extra <paramref name="marker"/> segments right
    /// after SOI, each <paramref name="payloadBytes"/> long (at most 65533) and opening with
    /// <paramref name="identifier"/>, the rest zeros: the metadata bomb of issue 13, item 2.
    /// </summary>
    public static byte[] JpegWithMetadataSegments(byte[] jpeg, byte marker, byte[] identifier, int count, int payloadBytes)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadBytes, ushort.MaxValue - 2);
        var segment = new byte[4 + payloadBytes];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payloadBytes + 2));
        identifier.CopyTo(segment, 4);
        using var bomb = new MemoryStream();
        bomb.Write(jpeg, 0, 2);
        for (var i = 0; i < count; i++)
        {
            bomb.Write(segment);
        }

        bomb.Write(jpeg, 2, jpeg.Length - 2);
        return bomb.ToArray();
    }

    /// <summary>
    /// A little-endian TIFF structure (TIFF 6.0, section 2) whose one directory holds <paramref name="entries"/>
    /// entries of private tags (0xC000 up, repeating every 12,288, one SHORT each; none of them a directory
    /// pointer): a TIFF file's header and tags without pixel data, and the body of an EXIF block (CIPA DC-008 4.6.2).
    /// </summary>
    public static byte[] TiffDirectoryOf(int entries)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries, ushort.MaxValue);
        const int HeaderLength = 8;
        var tiff = new byte[HeaderLength + 2 + (entries * 12) + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(HeaderLength), (ushort)entries);
        for (var i = 0; i < entries; i++)
        {
            var entry = tiff.AsSpan(HeaderLength + 2 + (i * 12), 12);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(0xC000 + (i % 0x3000)));
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 3); // SHORT
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], 1);
        }

        return tiff; // the next-directory offset after the entries stays 0: no further directory
    }

    /// <summary>
    /// A little-endian, uncompressed, chunky TIFF (TIFF 6.0, sections 2 and 8) of 8-bit <paramref name="pixels"/>,
    /// <paramref name="samples"/> a pixel (1: grey, 3: RGB), in strips of <paramref name="rowsPerStrip"/>
    /// rows (<see cref="uint.MaxValue"/>: one strip, the tag's default). <paramref name="strips"/> replaces
    /// where the strips are, as offsets into <paramref name="pixels"/>, and how many bytes each claims;
    /// <paramref name="entries"/> replace the entries of their tags (all of them: a tag given twice is written
    /// twice), with any integer type.
    /// </summary>
    public static byte[] TiffOf(
        int width, int height, int samples, byte[] pixels, uint rowsPerStrip, (uint Offset, uint Count)[]? strips = null, params (ushort Tag, ushort Type, uint[] Values)[] entries)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        const int PixelsAt = 8;
        var rowBytes = (uint)(width * samples);
        var rows = Math.Min(rowsPerStrip, (uint)height);
        strips ??= Enumerable.Range(0, (int)((height + rows - 1) / rows))
            .Select(i => ((uint)i * rows * rowBytes, Math.Min(rows, (uint)height - ((uint)i * rows)) * rowBytes))
            .ToArray();
        uint[] bits = [.. Enumerable.Repeat(8u, samples)];
        (ushort Tag, ushort Type, uint[] Values)[] standard =
        [
            (256, 4, [(uint)width]), (257, 4, [(uint)height]), (258, 3, bits), (259, 3, [1]),
            (262, 3, [samples == 1 ? 1u : 2u]), (273, 4, [.. strips.Select(strip => PixelsAt + strip.Offset)]),
            (277, 3, [(uint)samples]), (278, 4, [rowsPerStrip]), (279, 4, [.. strips.Select(strip => strip.Count)]),
        ];
        // TIFF 6.0 section 2: entries sorted by tag.
        entries = [.. standard.Where(entry => entries.All(replacement => replacement.Tag != entry.Tag)).Concat(entries).OrderBy(entry => entry.Tag)];
        var directoryAt = PixelsAt + pixels.Length + (pixels.Length & 1);
        var arraysAt = directoryAt + 2 + (entries.Length * 12) + 4;
        using var tiff = new MemoryStream();
        using var arrays = new MemoryStream();
        static void Write(Stream to, uint value, int size)
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(word, value);
            to.Write(word[..size]);
        }

        tiff.Write("II*\0"u8);
        Write(tiff, (uint)directoryAt, 4);
        tiff.Write(pixels);
        tiff.SetLength(directoryAt);
        tiff.Position = directoryAt;
        Write(tiff, (uint)entries.Length, 2);
        foreach (var (tag, type, values) in entries)
        {
            // BYTE and SBYTE are 1 byte, SHORT and SSHORT 2, LONG and SLONG 4 (TIFF 6.0 section 2).
            var size = type switch { 1 or 6 => 1, 3 or 8 => 2, _ => 4 };
            Write(tiff, tag, 2);
            Write(tiff, type, 2);
            Write(tiff, (uint)values.Length, 4);
            if (values.Length * size <= 4)
            {
                // Values that fit in the 4-byte field sit in it, left-justified.
                foreach (var value in values)
                {
                    Write(tiff, value, size);
                }

                tiff.Write(new byte[4 - (values.Length * size)]);
                continue;
            }

            Write(tiff, (uint)(arraysAt + arrays.Length), 4);
            foreach (var value in values)
            {
                Write(arrays, value, size);
            }
        }

        Write(tiff, 0, 4); // no next directory
        arrays.WriteTo(tiff);
        return tiff.ToArray();
    }

    /// <summary>
    /// <paramref name="jpeg"/> with <paramref name="exif"/> (a TIFF structure) as its EXIF, in as many APP1
    /// segments as it needs, right after SOI: extended EXIF, which readers join into one block.
    /// </summary>
    public static byte[] JpegWithExif(byte[] jpeg, byte[] exif)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        ArgumentNullException.ThrowIfNull(exif);
        const int ChunkBytes = ushort.MaxValue - 2 - 6;
        using var result = new MemoryStream();
        result.Write(jpeg, 0, 2);
        Span<byte> header = stackalloc byte[4];
        for (var start = 0; start < exif.Length; start += ChunkBytes)
        {
            var chunk = exif.AsSpan(start, Math.Min(ChunkBytes, exif.Length - start));
            header[0] = 0xFF;
            header[1] = JpegMetadata.App1;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(2 + JpegMetadata.Exif.Length + chunk.Length));
            result.Write(header);
            result.Write(JpegMetadata.Exif);
            result.Write(chunk);
        }

        result.Write(jpeg, 2, jpeg.Length - 2);
        return result.ToArray();
    }

    /// <summary>
    /// <paramref name="webp"/> (any WebP) with an EXIF chunk holding <paramref name="exif"/> appended, and the
    /// RIFF size updated (WebP container specification, "Extended File Format").
    /// </summary>
    public static byte[] WebpWithExif(byte[] webp, byte[] exif)
    {
        ArgumentNullException.ThrowIfNull(webp);
        ArgumentNullException.ThrowIfNull(exif);
        using var result = new MemoryStream();
        result.Write(webp);
        Span<byte> header = stackalloc byte[8];
        "EXIF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)exif.Length);
        result.Write(header);
        result.Write(exif);
        if (exif.Length % 2 == 1)
        {
            result.WriteByte(0);
        }

        var bytes = result.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>
    /// <paramref name="webp"/> (a simple-format WebP) turned extended with an EXIF chunk holding
    /// <paramref name="exif"/> hidden inside its VP8X chunk: the VP8X declares a size that covers the EXIF
    /// chunk, which a walk of the chunks by their sizes steps over, while ImageSharp 2.1.13 reads VP8X's 10
    /// bytes whatever its size and then reads the EXIF chunk (second probe of issue 13).
    /// </summary>
    public static byte[] WebpWithExifHiddenInVp8x(byte[] webp, byte[] exif)
    {
        ArgumentNullException.ThrowIfNull(webp);
        ArgumentNullException.ThrowIfNull(exif);
        const int Vp8xDataLength = 10;
        using var result = new MemoryStream();
        result.Write(webp.AsSpan(0, 12)); // "RIFF", size (set below), "WEBP"
        Span<byte> header = stackalloc byte[8];
        "VP8X"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(Vp8xDataLength + 8 + exif.Length));
        result.Write(header);
        Span<byte> vp8x = stackalloc byte[Vp8xDataLength];
        vp8x.Clear();
        vp8x[0] = 0x08; // EXIF present (WebP container specification, "Extended File Format")
        result.Write(vp8x);
        "EXIF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)exif.Length);
        result.Write(header);
        result.Write(exif);
        result.Write(webp.AsSpan(12));
        var bytes = result.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>
    /// <paramref name="progressiveJpeg"/> with its last scan (the SOS segment and its entropy-coded data,
    /// which ends at EOI) repeated <paramref name="extraCopies"/> more times: each repeat is a pass over
    /// the image for a decoder, from a few bytes of upload. 0xFF 0xDA cannot occur inside entropy-coded
    /// data (ITU-T T.81, B.1.1.5), so its last occurrence starts the last scan.
    /// </summary>
    public static byte[] JpegWithLastScanRepeated(byte[] progressiveJpeg, int extraCopies)
    {
        ArgumentNullException.ThrowIfNull(progressiveJpeg);
        var end = progressiveJpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xD9]);
        var lastScan = progressiveJpeg.AsSpan(0, end).LastIndexOf([(byte)0xFF, (byte)0xDA]);
        using var result = new MemoryStream();
        result.Write(progressiveJpeg, 0, end);
        for (var i = 0; i < extraCopies; i++)
        {
            result.Write(progressiveJpeg, lastScan, end - lastScan);
        }

        result.Write(progressiveJpeg, end, progressiveJpeg.Length - end);
        return result.ToArray();
    }

    /// <summary>
    /// <paramref name="png"/> with a zTXt chunk right after IHDR whose text inflates to
    /// <paramref name="inflatedBytes"/> zeros (ISO/IEC 15948, 11.3.4.4): a few hundred kilobytes that
    /// a decoder reading PNG text inflates to hundreds of megabytes.
    /// </summary>
    public static byte[] PngWithCompressedText(byte[] png, int inflatedBytes)
    {
        ArgumentNullException.ThrowIfNull(png);
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var written = 0; written < inflatedBytes; written += zeros.Length)
            {
                zlib.Write(zeros, 0, Math.Min(zeros.Length, inflatedBytes - written));
            }
        }

        // Keyword, NUL separator, compression method 0 (deflate), then the zlib stream.
        byte[] text = [.. "Comment"u8, 0, 0, .. compressed.ToArray()];
        const int AfterHeaderChunk = 8 + 12 + 13; // signature, then IHDR's length, type, 13 data bytes and CRC
        using var bomb = new MemoryStream();
        bomb.Write(png, 0, AfterHeaderChunk);
        WritePngChunk(bomb, "zTXt"u8, text);
        bomb.Write(png, AfterHeaderChunk, png.Length - AfterHeaderChunk);
        return bomb.ToArray();
    }

    /// <summary>
    /// <paramref name="palettePng"/> (a palette PNG) with its PLTE chunk cut to the first
    /// <paramref name="entries"/> colours, CRC corrected: pixels whose index lies beyond them refer to colours the
    /// palette does not have (ISO/IEC 15948, 11.2.3), which a decoder that does not check indices reads from
    /// whatever memory follows its palette.
    /// </summary>
    public static byte[] PngWithPaletteCutTo(byte[] palettePng, int entries)
    {
        var chunks = PngChunks(palettePng).ToList();
        var palette = chunks.FindIndex(chunk => chunk.Type == "PLTE");
        if (palette < 0 || chunks[palette].Data.Length <= 3 * entries)
        {
            throw new ArgumentException($"The PNG has no palette of more than {entries} colours.", nameof(palettePng));
        }

        chunks[palette] = ("PLTE", chunks[palette].Data[..(3 * entries)]);
        return PngOf(chunks);
    }

    /// <summary>The chunks of <paramref name="png"/> in file order, as type and data (ISO/IEC 15948, 5.3); CRCs are not checked.</summary>
    public static IReadOnlyList<(string Type, byte[] Data)> PngChunks(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        var chunks = new List<(string, byte[])>();
        for (var position = 8; position + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            chunks.Add((System.Text.Encoding.ASCII.GetString(png, position + 4, 4), png[(position + 8)..(position + 8 + length)]));
            position += 12 + length;
        }

        return chunks;
    }

    /// <summary>A PNG file of the signature and <paramref name="chunks"/>, each with its correct CRC.</summary>
    public static byte[] PngOf(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var (type, data) in chunks)
        {
            WritePngChunk(png, System.Text.Encoding.ASCII.GetBytes(type), data);
        }

        return png.ToArray();
    }

    private static void WritePngChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        byte[] typeAndData = [.. type, .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, System.IO.Hashing.Crc32.HashToUInt32(typeAndData));
        png.Write(number);
    }

    private static void WriteRiffChunk(Stream riff, ReadOnlySpan<byte> fourCc, ReadOnlySpan<byte> data)
    {
        riff.Write(fourCc);
        WriteUInt32LittleEndian(riff, (uint)data.Length);
        riff.Write(data);
    }

    private static void WriteUInt32LittleEndian(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

}
