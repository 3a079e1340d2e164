using System.ComponentModel.DataAnnotations;

namespace FaceApi.Uploads;

/// <summary>How request bodies are read (configuration section <c>FaceApi:Uploads</c>).</summary>
public sealed class UploadOptions
{
    /// <summary>
    /// The longest a client may take to send a whole /embed or /verify body; past it the request gets
    /// 408 <c>request_timeout</c>. Bodies are read before a request takes an admission slot, so a slow
    /// upload holds only its connection and what it has sent. Default 30 s, the batcher's default
    /// request timeout: a 5 MB phone photo needs 1.4 Mbit/s to arrive in time, and Kestrel's own floor
    /// (240 bytes/s after a 5 s grace) lets a 50 MB body dribble in for days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BodyReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Request-body memory held at once: every body being read or served, the copy a JSON image string with
    /// escapes is unescaped through, and the chunks and arrays kept for reuse (<see cref="Hosting.BufferedBodyBudget"/>); a body that would grow past it is refused at once with
    /// 503 <c>queue_full</c>. Bodies are read before admission, so nothing else bounds them in a burst.
    /// Default 256 MiB, from three bounds (figures at the default 20 MiB <c>Limits:MaxEncodedBytes</c>):
    /// <list type="bullet">
    /// <item>The largest body must fit at its peak, or start-up stops (<see cref="MaxBufferedBytesValidation"/>):
    /// a JSON /verify of two images is 57.1 MB, held twice while its chunks are copied into one array
    /// (<see cref="PooledStreamReader"/>), 109 MiB; 256 MiB leaves 147 MiB beside it.</item>
    /// <item>Ordinary traffic: a body is held until its request is answered, so the 64 admitted requests
    /// (<see cref="Hosting.RequestAdmissionOptions.MaxConcurrentRequests"/>) and those still being read
    /// share it. 64 photos of 4 MB sent as multipart or raw take 244 MiB once read; as base64 in JSON a
    /// photo takes 1.33 times its size, so 48 of them fill it, and a body counts twice while it is
    /// copied out of its chunks. Large JSON photos are therefore refused here before admission is full,
    /// with the same 503 <c>queue_full</c> and <c>Retry-After</c>.</item>
    /// <item>Memory: issue 13 lets none of its attacks raise RSS by more than 300 MB (286 MiB), and 256 MiB
    /// is 268 MB. The budget does not count connection buffers, parsing, or the arrays of up to 1 MiB that
    /// <c>ArrayPool&lt;byte&gt;.Shared</c> keeps once bodies give them back. Sixteen maximal bodies at once (our own attack 12,
    /// README, Memory) raised RSS by 384 MiB at the peak, back within 60 s, and by 233 MiB at 128 MiB,
    /// measured while answered bodies' arrays were still left to the collector.
    /// Lower it where such a burst must stay under that bound. And it must be at most half the managed
    /// heap the process may use, or start-up stops (<see cref="MaxBufferedBytesValidation"/>): 256 MiB
    /// needs a heap of 512 MiB, a container limit of 683 MiB.</item>
    /// </list>
    /// </summary>
    // At most 1 TiB, far above any replica's memory: a larger value is a typo.
    [Range(typeof(long), "1", "1099511627776")]
    public long MaxBufferedBytes { get; set; } = 256L * 1024 * 1024;
}
