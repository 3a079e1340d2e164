using FaceApi.Core.Batching;

namespace FaceApi.Errors;

/// <summary>
/// A 503 <c>queue_full</c> answer that an endpoint returns rather than throws: the refusal it finds
/// before reading the body (<see cref="Core.Shedding.LoadShedder.RetryAfterIfOverloaded"/>). It writes
/// what the exception handler writes for a thrown <see cref="QueueFullException"/>
/// (<see cref="ProblemResponseWriter"/>); the exception here only carries the message and Retry-After,
/// and is never thrown. In a flood of refused photos an exception's trip out through the middleware
/// was a tenth to a fifth of each refusal's CPU time (README, "A refusal without an exception").
/// </summary>
/// <param name="retryAfter">When to come back: the expected time to drain the work ahead.</param>
public sealed class QueueFullResult(TimeSpan retryAfter) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext) =>
        await httpContext.RequestServices.GetRequiredService<ProblemResponseWriter>().WriteAsync(httpContext, new QueueFullException(retryAfter));
}
