using FaceApi.Uploads;

namespace FaceApi.Hosting;

/// <summary>
/// The arrays that bodies over 1 MiB are copied into for the decoder (<see cref="PooledStreamReader"/>),
/// kept for reuse after their request is answered, by length (<see cref="UploadBuffers.LengthOf"/>
/// rounds them up to whole MiB, so bodies of about the same size share them). Left to the collector,
/// each was garbage on the large-object heap that only a full collection frees, so a stream of large
/// bodies piled garbage up beside the budget's worth of live ones: sixteen 20 MB metadata bombs
/// (<c>deploy/attacks/replay.py</c>'s attack 2) raised RSS by 239 to 362 MiB at the 256 MiB budget
/// over seven runs, and by 167 to 235 MiB over three with the arrays kept. Like spare chunks (<see cref="BufferedBodyChunks"/>), spare
/// arrays count against <see cref="BufferedBodyBudget"/>, which lets them go first when it needs room,
/// and those of a length not asked for through a whole <see cref="BufferedBodyChunks.UnusedFor"/> are
/// let go, for the idle collection (<see cref="IdleMemoryTrimmer"/>) to give back.
/// </summary>
internal sealed class BufferedBodyArrays : IDisposable
{
    private readonly Dictionary<int, Stack<byte[]>> _spare = [];
    private readonly HashSet<int> _askedFor = [];
    private readonly Timer _letGoUnused;

    public BufferedBodyArrays() =>
        _letGoUnused = new Timer(static state => ((BufferedBodyArrays)state!).LetGoUnused(), this, BufferedBodyChunks.UnusedFor, BufferedBodyChunks.UnusedFor);

    private long _spareBytes;

    /// <summary>The bytes of the arrays kept for reuse now.</summary>
    public long SpareBytes
    {
        get
        {
            lock (_spare)
            {
                return _spareBytes;
            }
        }
    }

    /// <summary>A spare array of <paramref name="length"/> bytes if there is one, else a new one.</summary>
    public byte[] Rent(int length)
    {
        lock (_spare)
        {
            _askedFor.Add(length);
            if (_spare.TryGetValue(length, out var arrays) && arrays.TryPop(out var array))
            {
                _spareBytes -= length;
                return array;
            }
        }

        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Keeps an array for reuse.</summary>
    public void Keep(byte[] array)
    {
        lock (_spare)
        {
            if (!_spare.TryGetValue(array.Length, out var arrays))
            {
                _spare[array.Length] = arrays = new Stack<byte[]>();
            }

            arrays.Push(array);
            _spareBytes += array.Length;
        }
    }

    /// <summary>Lets go of spare arrays, largest first, until at most <paramref name="bytes"/> of them are left.</summary>
    public void KeepAtMost(long bytes)
    {
        lock (_spare)
        {
            // Called for every chunk a body takes: nothing to sort or allocate when the spares fit.
            if (_spareBytes <= bytes)
            {
                return;
            }

            foreach (var length in _spare.Keys.OrderDescending().ToList())
            {
                var arrays = _spare[length];
                while (_spareBytes > bytes && arrays.TryPop(out _))
                {
                    _spareBytes -= length;
                }
            }
        }
    }

    public void Dispose() => _letGoUnused.Dispose();

    /// <summary>Lets go of the arrays of every length not asked for since the last call (every <see cref="BufferedBodyChunks.UnusedFor"/>).</summary>
    internal void LetGoUnused()
    {
        lock (_spare)
        {
            foreach (var length in _spare.Keys.Where(length => !_askedFor.Contains(length)).ToList())
            {
                _spareBytes -= (long)length * _spare[length].Count;
                _spare.Remove(length);
            }

            _askedFor.Clear();
        }
    }
}
