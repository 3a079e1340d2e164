using System.Buffers;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Two things libjpeg (OpenCV's <c>imread</c>, the reference) forgives in a JPEG and ImageSharp 2.1.13
/// does not, so that such photos decode as the reference decodes them instead of being refused: bytes
/// between segments, and a sequential frame without Huffman tables. ImageSharp is given the upload
/// as libjpeg reads it, pieced together without a copy: the walk's segments (<see cref="JpegMarkerWalk"/>,
/// which steps over stray bytes as libjpeg's <c>next_marker</c> does, warning "N extraneous bytes before
/// marker"), with the standard tables (<see cref="JpegStandardHuffmanTables"/>) before the first scan for
/// the slots the frame left empty, as libjpeg-turbo's <c>jinit_huff_decoder</c> fills them for
/// Motion-JPEG frames.
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
    /// More runs of stray bytes than this are refused: each is a piece of the sequence ImageSharp reads,
    /// and a file of tiny segments with a stray byte after each would make millions. A JPEG with stray
    /// bytes has one or two runs (a metadata writer's length off by a few bytes, padding).
    /// </summary>
    internal const int MaxStrayRuns = 16;

    private const int StartOfImageLength = 2;

    /// <summary>
    /// The bytes ImageSharp should read for <paramref name="encoded"/>: null when they are the upload
    /// itself (anything that is not a JPEG, and any JPEG without stray bytes that names its tables).
    /// </summary>
    /// <exception cref="ImageDecodingException">More than <see cref="MaxStrayRuns"/> runs of stray bytes.</exception>
    public static ReadOnlySequence<byte>? AsLibjpegReadsIt(ReadOnlyMemory<byte> encoded)
    {
        var span = encoded.Span;
        if (!span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            return null;
        }

        // The runs the walk stepped over (stray bytes, or fill bytes before a marker), as [start, end).
        var skipped = new List<(int Start, int End)>();
        var walkedTo = StartOfImageLength;
        var sequentialHuffman = false;
        var tablesBeforeFirstScan = 0;
        var firstScan = -1;
        var walk = new JpegMarkerWalk(span);
        while (walk.MoveNext())
        {
            if (walk.SegmentStart > walkedTo && skipped.Count <= MaxStrayRuns)
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
                case JpegMarkerWalk.StartOfScan when firstScan < 0:
                    firstScan = walk.SegmentStart;
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

        var missingTables = sequentialHuffman && firstScan >= 0 ? JpegStandardHuffmanTables.AllSlots & ~tablesBeforeFirstScan : 0;
        if (!walk.SkippedExtraneousBytes && missingTables == 0)
        {
            return null;
        }

        if (walk.SkippedExtraneousBytes && skipped.Count > MaxStrayRuns)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage,
                $"The JPEG image has stray bytes between more than {MaxStrayRuns} of its segments.");
        }

        // Fill bytes are dropped with the stray ones when there are stray ones: libjpeg discards both.
        if (!walk.SkippedExtraneousBytes)
        {
            skipped.Clear();
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
