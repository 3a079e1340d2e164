using FaceApi.Contracts;

namespace FaceApi.Errors;

/// <summary>A client error found while handling a request; becomes a problem-details response.</summary>
public sealed class ApiProblemException(int status, string code, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Which side of a two-image request the problem is about (image1 or image2), if any.</summary>
    public string? Side { get; init; }

    public static ApiProblemException InvalidRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, detail);

    /// <summary>No face in an image; <paramref name="side"/> names it in a two-image request.</summary>
    public static ApiProblemException NoFace(string detail, string? side = null) =>
        new(StatusCodes.Status422UnprocessableEntity, ProblemCode.NoFace, detail) { Side = side };
}
