using System.Text.Json;

namespace FaceApi.Client;

/// <summary>Reads an error answer: the problem-details members FaceApi writes, and its <c>Retry-After</c>.</summary>
internal static class ProblemAnswer
{
    // FaceApi's problems are a few hundred bytes; anything much longer is not one of them (an HTML error page).
    private const int MaxDetailLength = 500;

    public static async Task<FaceApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var retryAfter = RetryAfter(response);
        if (TryParse(body, out var problem) && problem.Code is not null)
        {
            return new FaceApiException(
                response.StatusCode,
                problem.Code,
                problem.Detail ?? problem.Title ?? response.ReasonPhrase ?? "",
                retryAfter,
                problem.TraceId,
                problem.RequestId,
                problem.Side);
        }

        var text = body.Length <= MaxDetailLength ? body : body[..MaxDetailLength];
        return new FaceApiException(response.StatusCode, code: null, $"{response.ReasonPhrase}. {text}".Trim(), retryAfter);
    }

    /// <summary>The problem <c>code</c> of a buffered answer, or null; reads only what it needs.</summary>
    public static async Task<string?> ReadCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // Buffering keeps the body readable afterwards, for the caller that turns it into an exception.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return TryParse(body, out var problem) ? problem.Code : null;
    }

    /// <summary>Retry-After as a wait: seconds, or a date turned into the time left until it.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };

    private static bool TryParse(string body, out Problem problem)
    {
        problem = default;
        if (body.Length == 0)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            problem = new Problem(Text(root, "code"), Text(root, "title"), Text(root, "detail"), Text(root, "traceId"), Text(root, "requestId"), Text(root, "side"));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private readonly record struct Problem(string? Code, string? Title, string? Detail, string? TraceId, string? RequestId, string? Side);
}
