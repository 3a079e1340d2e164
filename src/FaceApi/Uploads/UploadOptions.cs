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
}
