namespace FaceApi.Contracts;

/// <summary>The answer of <c>GET /health/live</c>.</summary>
/// <param name="Status">Always <c>alive</c>: the process answers.</param>
public sealed record LivenessResponse(string Status);
