using FaceApi.Contracts;
using FaceApi.Errors;

namespace FaceApi.Uploads;

/// <summary>The size problems of upload bodies, worded once.</summary>
internal static class UploadProblems
{
    public static ApiProblemException ImageTooLarge(string field, int maxImageBytes) => new(
        StatusCodes.Status413PayloadTooLarge,
        ProblemCode.ImageTooLarge,
        $"'{field}' is larger than the {maxImageBytes / (1024.0 * 1024):0.##} MiB this service accepts per image.");

    public static ApiProblemException BodyTooLarge(long maxBodyBytes) => new(
        StatusCodes.Status413PayloadTooLarge,
        ProblemCode.PayloadTooLarge,
        $"The request body is larger than the {maxBodyBytes} bytes this endpoint accepts in this format.");
}
