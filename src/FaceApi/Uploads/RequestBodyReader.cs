using FaceApi.Contracts;
using FaceApi.Errors;
using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a whole request body into pooled memory, within a size limit and a deadline, before the
/// request takes an admission slot or any parsing starts: a slow upload holds its connection and
/// what it sent, never a slot that real requests need (issue 13). An <c>/embed</c> image let in holds
/// only its place in the load shedder's line meanwhile, for at most <c>MaxQueueTime</c>
/// (<see cref="Core.Shedding.PlaceInLine"/>).
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>Reads the body into an array rented from <paramref name="reservation"/>; the caller gives it back there.</summary>
    /// <param name="request">The request.</param>
    /// <param name="limit">The most bytes accepted; a longer body is refused with <paramref name="tooLarge"/>.</param>
    /// <param name="timeout">The longest the whole body may take to arrive (408 <c>request_timeout</c> after it).</param>
    /// <param name="reservation">The body's share of the buffered-body budget, grown as the body arrives.</param>
    /// <param name="tooLarge">The problem for a body over <paramref name="limit"/>.</param>
    /// <param name="cancellationToken">The request's abort token.</param>
    public static async Task<(byte[] Buffer, int Length)> ReadAsync(
        HttpRequest request,
        long limit,
        TimeSpan timeout,
        BufferedBodyReservation reservation,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > limit)
        {
            // Refused from the header, before a byte of the body is read.
            throw tooLarge();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await PooledStreamReader.ReadAsync(request.Body, limit, declared, reservation, tooLarge, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiProblemException(
                StatusCodes.Status408RequestTimeout,
                ProblemCode.RequestTimeout,
                $"The request body did not arrive within {timeout.TotalSeconds:0.#} s.");
        }
    }
}
