using System.Buffers;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Two things libjpeg (OpenCV's <c>imread</c>, the reference) forgives in a JPEG and ImageSharp 2.1.13
/// does not, so that such photos decode as the reference decodes them instead of being refused: bytes
/// between segments, and a sequential frame without Huffman tables. ImageSharp is given the upload
/// as libjpeg reads it, pieced together without a copy: the walk's segments (<see cref="JpegMarkerWalk"/>,
/// which steps over stray bytes as libjpeg's <c>next_marker</c> does, warning "N extraneous bytes before
/// marker"), with the standard tables (<see cref="JpegStandardHuffmanTables"/>) before the first scan for
/// the slots its scans name and it left empty, as libjpeg-turbo's <c>jinit_huff_decoder</c> fills them
/// for Motion-JPEG frames. Fill bytes (0xFF before a marker) are dropped too: ImageSharp reads them as
/// libjpeg does between segments, but right after SOI takes one for a marker.
/// </summary>
/// <remarks>
/// ImageSharp refused both as <see cref="ImageErrorCode.InvalidImage"/>: it reads stray bytes two at a time
/// as a marker code, so it can step past a marker or into a segment's payload (which also let a review hide
/// EXIF entries and scans from the budgets, which walk as libjpeg does), and it has no tables for a frame
/// that names none. Given the walk's segments, it reads what the budgets counted. libjpeg fills tables
/// only for sequential Huffman frames (SOF0, SOF1): its progressive decoder (<c>jdphuff.c</c>) fills none,
/// so neither does this.
/// </remarks>
internal static class JpegLibjpegTolerance
{
    /// <summary>
    /// More runs of skipped bytes than this are refused: each is a piece of the sequence ImageSharp reads,
    /// and a file of tiny segments with a stray byte after each would make millions. A JPEG with stray
    /// bytes has one or two runs (a metadata writer's length off by a few bytes, padding); fill bytes
    /// (0xFF before a marker, which T.81 B.1.1.2 allows) add one a marker at most.
    /// </summary>
    internal const int MaxSkippedRuns = 64;

    private const int StartOfImageLength = 2;

    /// <summary>
    /// The bytes ImageSharp should read for <paramref name="encoded"/>: null when they are the upload
    /// itself (anything that is not a JPEG, and any JPEG whose segments follow one another and whose scans
    /// name only tables it defines).
    /// </summary>
    /// <exception cref="ImageDecodingException">More than <see cref="MaxSkippedRuns"/> runs of skipped bytes.</exception>
    public static ReadOnlySequence<byte>? AsLibjpegReadsIt(ReadOnlyMemory<byte> encoded)
    {
        var span = encoded.Span;
        if (!JpegMarkerWalk.IsJpeg(span))
        {
            return null;
        }

        // The runs the walk stepped over, as [start, end): stray bytes, and fill bytes, which ImageSharp
        // reads as libjpeg does between segments but right after SOI takes for a marker (a review hid an
        // EXIF segment inside a comment that way), so they go too.
        var skipped = new List<(int Start, int End)>();
        var walkedTo = StartOfImageLength;
        var sequentialHuffman = false;
        var tablesBeforeFirstScan = 0;
        var tablesScansUse = 0;
        var firstScan = -1;
        var walk = new JpegMarkerWalk(span);
        while (walk.MoveNext())
        {
            if (walk.SegmentStart > walkedTo && skipped.Count <= MaxSkippedRuns)
            {
                skipped.Add((walkedTo, walk.SegmentStart));
            }

            walkedTo = walk.SegmentEnd;
            if (walk.Marker == JpegMarkerWalk.EndOfImage)
            {
                break;
            }

            switch (walk.Marker)
            {
                case JpegMarkerWalk.StartOfScan:
                    firstScan = firstScan < 0 ? walk.SegmentStart : firstScan;
                    tablesScansUse |= JpegStandardHuffmanTables.SlotsUsedBy(walk.Payload);
                    break;
                case JpegStandardHuffmanTables.DefineHuffmanTables when firstScan < 0:
                    tablesBeforeFirstScan |= JpegStandardHuffmanTables.SlotsDefinedBy(walk.Payload);
                    break;
                case 0xC0 or 0xC1:
                    // Baseline and extended sequential DCT, Huffman-coded (T.81, Table B.1).
                    sequentialHuffman = true;
                    break;
            }
        }

        // libjpeg fills the four standard slots it finds empty when the first scan starts; only those the
        // scans name matter, so a grey JPEG, which defines and names only the luminance tables, is read as it is.
        var missingTables = sequentialHuffman && firstScan >= 0 ? tablesScansUse & ~tablesBeforeFirstScan : 0;
        if (skipped.Count == 0 && missingTables == 0)
        {
            return null;
        }

        if (skipped.Count > MaxSkippedRuns)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage,
                $"The JPEG image has stray or fill bytes before more than {MaxSkippedRuns} of its segments.");
        }

        return MemoryPieces.Join(Pieces(encoded, skipped, walkedTo, firstScan, missingTables));
    }

    // SOI, then the walked bytes up to `end` less the skipped runs, with the missing tables before the
    // first scan. The scan starts a segment, so it is never inside a skipped run.
    private static IEnumerable<ReadOnlyMemory<byte>> Pieces(ReadOnlyMemory<byte> encoded, List<(int Start, int End)> skipped, int end, int firstScan, int missingTables)
    {
        var from = 0;
        var tablesAt = missingTables == 0 ? -1 : firstScan;
        foreach (var (start, stop) in skipped.Append((end, end)))
        {
            if (tablesAt >= from && tablesAt <= start)
            {
                yield return encoded[from..tablesAt];
                yield return JpegStandardHuffmanTables.SegmentFor(missingTables);
                from = tablesAt;
                tablesAt = -1;
            }

            yield return encoded[from..start];
            from = stop;
        }
    }
}
