using System.Buffers;

namespace FaceApi.Hosting;

/// <summary>
/// The 64 KiB chunks request bodies are read into (<see cref="Uploads.PooledStreamReader"/>), kept for
/// reuse after a body gives them back, so a burst of large bodies reuses the same chunks instead of
/// leaving each one as garbage: <see cref="ArrayPool{T}.Shared"/> keeps only 32 of a size per core, and
/// a chunk held through a multi-second upload has been promoted to the oldest generation before it is
/// dropped, so the garbage stayed until a full collection (sixteen 57 MB bodies at once: a 663 MiB
/// managed heap after the burst, <c>deploy/attacks/replay.py --quick --only 12</c>). How many are kept
/// is <see cref="BufferedBodyBudget"/>'s decision: spare chunks count against it like reserved ones, so
/// the two together never exceed <see cref="Uploads.UploadOptions.MaxBufferedBytes"/>. Chunks that sat
/// unused through a whole <see cref="UnusedFor"/> are let go, for the idle collection
/// (<see cref="IdleMemoryTrimmer"/>) to give back.
/// </summary>
internal sealed class BufferedBodyChunks : IDisposable
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
    private readonly Timer _letGoUnused;

    // The fewest spare chunks since the last check: that many were not needed in the whole interval.
    private int _fewestSpare;

    public BufferedBodyChunks() =>
        _letGoUnused = new Timer(static state => ((BufferedBodyChunks)state!).LetGoUnused(), this, UnusedFor, UnusedFor);

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

    /// <summary>A spare chunk if there is one, else a new one from <see cref="ArrayPool{T}.Shared"/>.</summary>
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

    /// <summary>Keeps a chunk for reuse.</summary>
    public void Keep(byte[] chunk)
    {
        lock (_spare)
        {
            _spare.Push(chunk);
        }
    }

    /// <summary>Lets go of spare chunks until at most <paramref name="count"/> are left.</summary>
    // Dropped for the collector rather than handed to ArrayPool<byte>.Shared, which would keep them out
    // of any count.
    public void KeepAtMost(long count)
    {
        lock (_spare)
        {
            while (_spare.Count > count)
            {
                _spare.Pop();
            }

            _fewestSpare = Math.Min(_fewestSpare, _spare.Count);
        }
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
