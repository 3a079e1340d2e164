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
    /// Request-body bytes held in memory at once, summed over every body being read or served
    /// (<see cref="Hosting.BufferedBodyBudget"/>); a body that would grow past it is refused at once with
    /// 503 <c>queue_full</c>. Bodies are read before admission, so nothing else bounds them in a burst.
    /// Default 256 MiB: 64 admitted requests (<see cref="Hosting.RequestAdmissionOptions.MaxConcurrentRequests"/>)
    /// with a 2-4 MB phone photo each hold 64 x 4 MiB buffers, so ordinary traffic never meets it, while
    /// a burst of maximal bodies is held to four /verify bodies of 55 MB arriving at once (two 20 MiB
    /// images as base64 in JSON, the largest body at the default <c>Limits:MaxEncodedBytes</c>) or twelve
    /// 20 MiB /embed images. A body larger than one 64 KiB chunk is held twice while its chunks are copied
    /// into one array (<see cref="PooledStreamReader"/>), so the budget must hold one largest body twice
    /// (checked at start-up, <see cref="MaxBufferedBytesValidation"/>): a legitimate maximal request can
    /// always run alone.
    /// </summary>
    // At most 1 TiB, far above any replica's memory: a larger value is a typo.
    [Range(typeof(long), "1", "1099511627776")]
    public long MaxBufferedBytes { get; set; } = 256L * 1024 * 1024;
}
