using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Steps through the markers of a JPEG (ITU-T T.81, B.1.1) from after SOI, reading segment lengths
/// only, never the pixel data. Shared by the truncation check and the metadata budget so both read
/// the structure the same way.
/// </summary>
internal ref struct JpegMarkerWalk(ReadOnlySpan<byte> encoded)
{
    /// <summary>End of image: the walk stops here.</summary>
    public const byte EndOfImage = 0xD9;

    private const byte MarkerPrefix = 0xFF;
    private const int AfterStartOfImage = 2;

    private readonly ReadOnlySpan<byte> _encoded = encoded;
    private int _position = AfterStartOfImage;
    private int _payloadStart;

    /// <summary>Start of scan: entropy-coded data follows its segment.</summary>
    public const byte StartOfScan = 0xDA;

    /// <summary>
    /// Whether <paramref name="encoded"/> opens with SOI, which is all ImageSharp 2.1.13 asks of a JPEG:
    /// every check of JPEG structure takes the same files, or one could skip a file the others read
    /// (a review hid a whole EXIF bomb behind one stray byte after SOI from a check that also wanted 0xFF).
    /// </summary>
    public static bool IsJpeg(ReadOnlySpan<byte> encoded) => encoded.StartsWith((ReadOnlySpan<byte>)[MarkerPrefix, 0xD8]);

    /// <summary>The marker reached by the last successful <see cref="MoveNext"/>.</summary>
    public byte Marker { get; private set; }

    /// <summary>Where the marker's segment starts: the index of the 0xFF before <see cref="Marker"/>, after any fill bytes.</summary>
    public int SegmentStart { get; private set; }

    /// <summary>
    /// Where the marker's segment ends (after the entropy-coded data that follows an SOS), cut short where
    /// the data ends: the walk goes on from here.
    /// </summary>
    public readonly int SegmentEnd => Math.Min(_position, _encoded.Length);

    /// <summary>
    /// The marker segment's length field (it counts itself, so the payload is two bytes shorter);
    /// 0 for markers that stand alone (TEM, RSTn, EOI).
    /// </summary>
    public int SegmentLength { get; private set; }

    /// <summary>
    /// The marker segment's payload, after its length field, cut short where the data ends; empty for
    /// markers that stand alone.
    /// </summary>
    public readonly ReadOnlySpan<byte> Payload => SegmentLength <= 2
        ? []
        : _encoded.Slice(_payloadStart, Math.Min(SegmentLength - 2, _encoded.Length - _payloadStart));

    /// <summary>
    /// Moves to the next marker and past its segment (and past the entropy-coded data after SOS).
    /// False when the data ends first: the image is truncated.
    /// </summary>
    public bool MoveNext()
    {
        while (_position + 1 < _encoded.Length)
        {
            var marker = _encoded[_position + 1];
            if (_encoded[_position] != MarkerPrefix || marker is 0x00 or MarkerPrefix)
            {
                // Extraneous bytes or fill bytes (B.1.1.2) before a marker: skip them, as libjpeg does.
                _position++;
                continue;
            }

            Marker = marker;
            SegmentStart = _position;
            SegmentLength = 0;
            if (marker is EndOfImage or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                // EOI, TEM and RSTn stand alone, without a length (B.1.1.3).
                _position += 2;
                return true;
            }

            if (_position + 4 > _encoded.Length)
            {
                return false;
            }

            SegmentLength = BinaryPrimitives.ReadUInt16BigEndian(_encoded[(_position + 2)..]);
            _payloadStart = _position + 4;
            _position += 2 + SegmentLength;
            if (marker == StartOfScan && _position < _encoded.Length)
            {
                _position = SkipEntropyCodedData(_encoded, _position);
            }

            return true;
        }

        return false;
    }

    // Inside entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or RSTn; any other byte after
    // 0xFF (other than a fill 0xFF) starts the next marker (T.81, B.1.1.5 and F.1.2.3).
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> encoded, int position)
    {
        while (true)
        {
            var offset = encoded[position..].IndexOf(MarkerPrefix);
            if (offset < 0 || position + offset + 1 >= encoded.Length)
            {
                return encoded.Length;
            }

            position += offset;
            var next = encoded[position + 1];
            if (next is not (0x00 or MarkerPrefix or (>= 0xD0 and <= 0xD7)))
            {
                return position;
            }

            position += next == MarkerPrefix ? 1 : 2;
        }
    }
}
