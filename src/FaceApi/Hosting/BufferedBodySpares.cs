using FaceApi.Uploads;

namespace FaceApi.Hosting;

/// <summary>
/// The arrays request bodies gave back, kept by length for the next body that needs one: the 64 KiB
/// chunks bodies arrive in (<see cref="ChunkSize"/>) and the whole-MiB arrays bodies over 1 MiB are
/// copied into for the decoder (<see cref="UploadBuffers.LengthOf"/>). How many are kept is
/// <see cref="BufferedBodyBudget"/>'s decision: spare bytes count against it like reserved ones, so the
/// two together never exceed <see cref="UploadOptions.MaxBufferedBytes"/>. Those that sat unused
/// through a whole <see cref="UnusedFor"/> are let go, for the idle collection
/// (<see cref="IdleMemoryTrimmer"/>) to give back.
/// </summary>
/// <remarks>
/// Left to the collector, they piled up as garbage beside the budget's worth of live bodies (issue 13,
/// <c>deploy/attacks/replay.py</c>). A chunk held through a multi-second upload has been promoted to
/// the oldest generation before it is dropped, and <see cref="System.Buffers.ArrayPool{T}.Shared"/>
/// keeps only 32 of a size per core: sixteen 57 MB bodies at once left a 663 MiB managed heap (attack
/// 12). A large array is garbage on the large-object heap, which only a full collection frees:
/// sixteen 20 MB metadata bombs (attack 2) raised RSS by 239 to 362 MiB over seven runs with chunks
/// kept and arrays not, and by 167 to 235 MiB over three with both kept.
/// </remarks>
internal sealed class BufferedBodySpares : IDisposable
{
    /// <summary>
    /// 64 KiB, the chunk bodies arrive in (<see cref="PooledStreamReader"/>): below the large-object
    /// heap's threshold of 85,000 bytes
    /// (https://learn.microsoft.com/dotnet/standard/garbage-collection/large-object-heap), so compacted
    /// like any small object.
    /// </summary>
    public const int ChunkSize = 64 * 1024;

    // Checked every 10 s, so spares go within 20 s of a burst's end, before the idle collection's next
    // turn (at most every 30 s) and inside the 60 s after which issue 13 wants memory back.
    internal static readonly TimeSpan UnusedFor = TimeSpan.FromSeconds(10);

    private readonly Dictionary<int, SparesOfOneLength> _byLength = [];
    private readonly ITimer _letGoUnused;
    private long _bytes;

    public BufferedBodySpares(TimeProvider timeProvider) =>
        _letGoUnused = timeProvider.CreateTimer(static state => ((BufferedBodySpares)state!).LetGoUnused(), this, UnusedFor, UnusedFor);

    /// <summary>The bytes kept for reuse now (read by tests: the budget keeps its own sum).</summary>
    public long Bytes
    {
        get
        {
            lock (_byLength)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The arrays of <paramref name="length"/> bytes kept for reuse now (read by tests).</summary>
    public int CountOf(int length)
    {
        lock (_byLength)
        {
            return _byLength.TryGetValue(length, out var spares) ? spares.Count : 0;
        }
    }

    /// <summary>A spare array of <paramref name="length"/> bytes if there is one, else a new one.</summary>
    public byte[] Rent(int length)
    {
        lock (_byLength)
        {
            if (_byLength.TryGetValue(length, out var spares) && spares.TryPop(out var array))
            {
                _bytes -= length;
                return array;
            }
        }

        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Keeps an array for reuse.</summary>
    public void Keep(byte[] array)
    {
        lock (_byLength)
        {
            if (!_byLength.TryGetValue(array.Length, out var spares))
            {
                _byLength[array.Length] = spares = new SparesOfOneLength();
            }

            spares.Push(array);
            _bytes += array.Length;
        }
    }

    /// <summary>
    /// Lets go of spares, longest first, until at most <paramref name="bytes"/> of them are left: any
    /// body needs chunks, but only one of about the same size can use a large array.
    /// </summary>
    // Dropped for the collector rather than handed to ArrayPool<byte>.Shared, which would keep them out
    // of any count.
    public void KeepAtMost(long bytes)
    {
        lock (_byLength)
        {
            // Called for every array a body takes: nothing to sort or allocate when the spares fit.
            if (_bytes <= bytes)
            {
                return;
            }

            // Without allocating: it runs when memory is short, and a failure after the budget has
            // reserved would leave the reservation unrecorded (found in review).
            while (_bytes > bytes && LongestKept() is { } longest && longest.Spares.TryPop(out _))
            {
                _bytes -= longest.Length;
            }
        }
    }

    public void Dispose() => _letGoUnused.Dispose();

    // The longest arrays kept, if any; called with the lock held.
    private (int Length, SparesOfOneLength Spares)? LongestKept()
    {
        (int Length, SparesOfOneLength Spares)? longest = null;
        foreach (var (length, spares) in _byLength)
        {
            if (spares.Count > 0 && (longest is null || length > longest.Value.Length))
            {
                longest = (length, spares);
            }
        }

        return longest;
    }

    /// <summary>Lets go of the spares that were not needed since the last call (every <see cref="UnusedFor"/>).</summary>
    private void LetGoUnused()
    {
        lock (_byLength)
        {
            foreach (var (length, spares) in _byLength.ToList())
            {
                _bytes -= (long)length * spares.LetGoUnused();
                if (spares.Count == 0)
                {
                    _byLength.Remove(length);
                }
            }
        }
    }

    /// <summary>The spare arrays of one length, and the fewest there were since the last check.</summary>
    private sealed class SparesOfOneLength
    {
        private readonly Stack<byte[]> _arrays = new();

        // The fewest spares since the last check: that many were not needed in the whole interval. It
        // starts at 0, as the first array was in use until it was kept.
        private int _fewest;

        public int Count => _arrays.Count;

        public void Push(byte[] array) => _arrays.Push(array);

        public bool TryPop(out byte[] array)
        {
            var popped = _arrays.TryPop(out array!);
            _fewest = Math.Min(_fewest, _arrays.Count);
            return popped;
        }

        /// <summary>Lets go of the arrays not needed since the last call, and says how many.</summary>
        public int LetGoUnused()
        {
            var unused = _fewest;
            for (var i = 0; i < unused; i++)
            {
                _arrays.Pop();
            }

            _arrays.TrimExcess();
            _fewest = _arrays.Count;
            return unused;
        }
    }
}
