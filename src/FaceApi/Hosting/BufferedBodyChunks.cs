using System.Buffers;

namespace FaceApi.Hosting;

/// <summary>
/// The 64 KiB chunks request bodies are read into (<see cref="Uploads.PooledStreamReader"/>), kept for
/// reuse up to the budget's worth, so a burst of large bodies reuses the same chunks instead of leaving
/// each one as garbage: <see cref="ArrayPool{T}.Shared"/> keeps only 32 of a size per core, and a chunk
/// held through a multi-second upload has been promoted to the oldest generation before it is dropped,
/// so the garbage stayed until a full collection (sixteen 57 MB bodies at once: a 663 MiB managed heap
/// after the burst, <c>deploy/attacks/replay.py --quick --only 12</c>). Every chunk in use is reserved
/// in <see cref="BufferedBodyBudget"/>, so the chunks kept never exceed the budget either. Chunks that
/// sat unused through a whole <see cref="UnusedFor"/> are let go, for the idle collection
/// (<see cref="IdleMemoryTrimmer"/>) to give back.
/// </summary>
public sealed class BufferedBodyChunks : IDisposable
{
    /// <summary>
    /// 64 KiB: below the large-object heap's threshold of 85,000 bytes
    /// (https://learn.microsoft.com/dotnet/standard/garbage-collection/large-object-heap), so compacted
    /// like any small object, and one of <see cref="ArrayPool{T}.Shared"/>'s power-of-two sizes.
    /// </summary>
    public const int Size = 64 * 1024;

    // Checked every 10 s, so the chunks go within 20 s of a burst's end, before the idle collection's
    // next turn (at most every 30 s) and inside the 60 s after which issue 13 wants memory back.
    internal static readonly TimeSpan UnusedFor = TimeSpan.FromSeconds(10);

    private readonly Stack<byte[]> _spare = new();
    private readonly int _maxSpare;
    private readonly Timer _letGoUnused;

    // The fewest spare chunks since the last check: that many were not needed in the whole interval.
    private int _fewestSpare;

    public BufferedBodyChunks(long maxBufferedBytes)
    {
        _maxSpare = (int)Math.Min(maxBufferedBytes / Size, int.MaxValue);
        _letGoUnused = new Timer(static state => ((BufferedBodyChunks)state!).LetGoUnused(), this, UnusedFor, UnusedFor);
    }

    /// <summary>The chunks kept for reuse now.</summary>
    public int SpareCount
    {
        get
        {
            lock (_spare)
            {
                return _spare.Count;
            }
        }
    }

    /// <summary>A chunk of <see cref="Size"/> bytes; give it back with <see cref="Return"/>.</summary>
    public byte[] Rent()
    {
        lock (_spare)
        {
            if (_spare.TryPop(out var chunk))
            {
                _fewestSpare = Math.Min(_fewestSpare, _spare.Count);
                return chunk;
            }
        }

        return ArrayPool<byte>.Shared.Rent(Size);
    }

    /// <summary>Keeps a chunk for reuse, or, past the budget's worth, hands it to the shared pool.</summary>
    public void Return(byte[] chunk)
    {
        lock (_spare)
        {
            if (_spare.Count < _maxSpare)
            {
                _spare.Push(chunk);
                return;
            }
        }

        ArrayPool<byte>.Shared.Return(chunk);
    }

    public void Dispose() => _letGoUnused.Dispose();

    /// <summary>Lets go of the chunks that were not needed since the last call (every <see cref="UnusedFor"/>).</summary>
    internal void LetGoUnused()
    {
        lock (_spare)
        {
            for (var i = 0; i < _fewestSpare; i++)
            {
                _spare.Pop();
            }

            _spare.TrimExcess();
            _fewestSpare = _spare.Count;
        }
    }
}
