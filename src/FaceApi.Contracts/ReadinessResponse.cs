namespace FaceApi.Contracts;

/// <summary>The answer of <c>GET /health/ready</c>: 200 when ready, 503 otherwise, with the same body.</summary>
/// <param name="Status">One of <see cref="ReadinessStatus"/>: <c>loading</c>, <c>ready</c>, <c>failed</c> or <c>stopping</c>.</param>
/// <param name="Reason">Why the service is not ready, in a short line without file paths; null when ready.</param>
/// <param name="Recognition">The recognition model once loaded; null before.</param>
/// <param name="Detection">The detection model once loaded; null before.</param>
/// <param name="NextAttemptAt">When a failed model download is tried again (while <c>loading</c>); null otherwise.</param>
public sealed record ReadinessResponse(
    string Status,
    string? Reason,
    ModelDescription? Recognition,
    ModelDescription? Detection,
    DateTimeOffset? NextAttemptAt = null);

/// <summary>
/// A loaded model and the execution provider (CUDA or CPU) it actually runs on; when CUDA was asked
/// for but could not be loaded, why (a silent CPU fallback is the commonest surprise).
/// </summary>
/// <param name="Name">Model name, e.g. <c>w600k_r50</c> or <c>scrfd</c>.</param>
/// <param name="File">Model file name, without its folder.</param>
/// <param name="Dimension">Embedding length (recognition only).</param>
/// <param name="Provider"><c>Cuda</c> or <c>Cpu</c>.</param>
/// <param name="DynamicBatch">Whether the recogniser takes several faces per run (recognition only).</param>
/// <param name="CudaFallbackReason">Why CUDA is not used although it was asked for, in a short line without paths; null otherwise.</param>
public sealed record ModelDescription(string Name, string File, int? Dimension, string Provider, bool? DynamicBatch, string? CudaFallbackReason);
