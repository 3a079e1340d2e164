using System.Buffers;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Pieces of memory read one after another as one <see cref="ReadOnlySequence{T}"/>, without copying
/// them: the BCL builds a sequence only from a chain of <see cref="ReadOnlySequenceSegment{T}"/>, which
/// it leaves to the caller to define.
/// </summary>
internal sealed class MemoryPieces : ReadOnlySequenceSegment<byte>
{
    private MemoryPieces(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>The pieces, in order, as one sequence; empty pieces are left out.</summary>
    public static ReadOnlySequence<byte> Join(IEnumerable<ReadOnlyMemory<byte>> pieces)
    {
        MemoryPieces? first = null;
        MemoryPieces? last = null;
        foreach (var piece in pieces.Where(piece => !piece.IsEmpty))
        {
            var next = new MemoryPieces(piece, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
            {
                first = next;
            }
            else
            {
                last.Next = next;
            }

            last = next;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }
}
