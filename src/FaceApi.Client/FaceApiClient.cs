using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FaceApi.Contracts;
using Polly.Timeout;

namespace FaceApi.Client;

/// <summary>
/// Calls FaceApi: <c>POST /embed</c>, <c>POST /verify</c> and the health probes. A typed
/// <see cref="HttpClient"/>: register it with <see cref="FaceApiClientServiceCollectionExtensions.AddFaceApiClient"/>
/// to get the base address, the API key and safe retries of overload answers from configuration, or
/// construct it over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is set.
/// Every error answer of the service surfaces as a <see cref="FaceApiException"/>; a service that cannot
/// be reached, as <see cref="HttpRequestException"/>; a call past its total timeout, as <see cref="TimeoutException"/>.
/// </summary>
/// <param name="http">The client to send through; its <see cref="HttpClient.BaseAddress"/> is the service.</param>
public sealed class FaceApiClient(HttpClient http)
{
    /// <summary>The header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-API-Key";

    // Images go as multipart files: no base64 inflation. The part's content type is informative only;
    // the service sniffs the format from the bytes.
    private const string ImageContentType = "application/octet-stream";

    // A file name makes a part a file, which is where the service looks for images.
    private const string FileName = "image";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>Detects every face in an image and returns each with its embedding, largest first.</summary>
    /// <param name="image">The image (JPEG, PNG, WebP, BMP, GIF, TIFF), read from its position to its end; the stream stays open.</param>
    /// <param name="aligned">The image is an already aligned face crop: skip detection and embed it whole.</param>
    /// <param name="maxFaces">Return at most this many faces (default: all).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FaceApiException">The service answered with an error, e.g. <c>no_face</c> or <c>queue_full</c> after the retries.</exception>
    public async Task<EmbedResponse> EmbedAsync(Stream image, bool aligned = false, int? maxFaces = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var content = new MultipartFormDataContent { { await ImagePartAsync(image, cancellationToken).ConfigureAwait(false), "image", FileName } };
        return await PostAsync<EmbedResponse>(EmbedPath(aligned, maxFaces), content, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="EmbedAsync(Stream, bool, int?, CancellationToken)"/>
    public async Task<EmbedResponse> EmbedAsync(byte[] image, bool aligned = false, int? maxFaces = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var content = new MultipartFormDataContent { { ImagePart(image), "image", FileName } };
        return await PostAsync<EmbedResponse>(EmbedPath(aligned, maxFaces), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decides whether the largest faces of two images belong to the same person.</summary>
    /// <param name="image1">The first image.</param>
    /// <param name="image2">The second image.</param>
    /// <param name="threshold">Overrides the service's decision threshold (0 to 1).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FaceApiException">The service answered with an error; for <c>no_face</c>, <see cref="FaceApiException.Side"/> says which image.</exception>
    public async Task<VerifyResponse> VerifyAsync(Stream image1, Stream image2, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image1);
        ArgumentNullException.ThrowIfNull(image2);
        using var content = new MultipartFormDataContent
        {
            { await ImagePartAsync(image1, cancellationToken).ConfigureAwait(false), "image1", FileName },
            { await ImagePartAsync(image2, cancellationToken).ConfigureAwait(false), "image2", FileName },
        };
        return await PostAsync<VerifyResponse>(VerifyPath(threshold), content, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="VerifyAsync(Stream, Stream, float?, CancellationToken)"/>
    public async Task<VerifyResponse> VerifyAsync(byte[] image1, byte[] image2, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image1);
        ArgumentNullException.ThrowIfNull(image2);
        using var content = new MultipartFormDataContent { { ImagePart(image1), "image1", FileName }, { ImagePart(image2), "image2", FileName } };
        return await PostAsync<VerifyResponse>(VerifyPath(threshold), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decides whether the largest face of an image belongs to the person of a stored embedding (one
    /// kept from an earlier <see cref="EmbedAsync(Stream, bool, int?, CancellationToken)"/>, e.g. at enrolment).
    /// </summary>
    /// <param name="image">The image; it is side 1 (<see cref="VerifyResponse.Face1"/>).</param>
    /// <param name="embedding">The stored embedding; it is side 2.</param>
    /// <param name="threshold">Overrides the service's decision threshold (0 to 1).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FaceApiException">The service answered with an error.</exception>
    public async Task<VerifyResponse> VerifyAsync(Stream image, float[] embedding, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var content = new MultipartFormDataContent
        {
            { await ImagePartAsync(image, cancellationToken).ConfigureAwait(false), "image1", FileName },
            { EmbeddingPart(embedding), "embedding2" },
        };
        return await PostAsync<VerifyResponse>(VerifyPath(threshold), content, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="VerifyAsync(Stream, float[], float?, CancellationToken)"/>
    public async Task<VerifyResponse> VerifyAsync(byte[] image, float[] embedding, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var content = new MultipartFormDataContent { { ImagePart(image), "image1", FileName }, { EmbeddingPart(embedding), "embedding2" } };
        return await PostAsync<VerifyResponse>(VerifyPath(threshold), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decides whether two stored embeddings belong to the same person; no image is sent.</summary>
    /// <param name="embedding1">The first embedding.</param>
    /// <param name="embedding2">The second embedding.</param>
    /// <param name="threshold">Overrides the service's decision threshold (0 to 1).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FaceApiException">The service answered with an error, e.g. <c>invalid_request</c> for an embedding of the wrong length.</exception>
    public async Task<VerifyResponse> VerifyAsync(float[] embedding1, float[] embedding2, float? threshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedding1);
        ArgumentNullException.ThrowIfNull(embedding2);
        using var content = JsonContent.Create(new VerifyRequest(Embedding1: embedding1, Embedding2: embedding2), options: Json);
        return await PostAsync<VerifyResponse>(VerifyPath(threshold), content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the service process answers (<c>GET /health/live</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="HttpRequestException">The service could not be reached.</exception>
    /// <exception cref="TimeoutException">No answer within <see cref="FaceApiClientOptions.TotalTimeout"/>.</exception>
    public async Task<bool> IsLiveAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("health/live", UriKind.Relative)), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>
    /// The service's readiness (<c>GET /health/ready</c>): whether it serves requests now, and if not, why
    /// and, while a model download is retried, when next. A not-ready service is an answer, not an exception.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="FaceApiException">The answer was neither a readiness report nor 200/503 (e.g. a proxy error).</exception>
    public async Task<ReadinessResponse> GetReadinessAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri("health/ready", UriKind.Relative)), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable
            && await TryReadAsync<ReadinessResponse>(response, cancellationToken).ConfigureAwait(false) is { Status: not null } readiness)
        {
            return readiness;
        }

        throw await ProblemAnswer.ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> PostAsync<T>(string path, HttpContent content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content }, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAnswer.ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new FaceApiException(response.StatusCode, code: null, "The service answered with an empty body.");
    }

    /// <summary>Sends <paramref name="request"/>; the resilience handler's deadline surfaces as a plain <see cref="TimeoutException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException timeout)
            {
                throw new TimeoutException($"FaceApi did not answer within {timeout.Timeout} (FaceApiClientOptions.TotalTimeout), retries included.", timeout);
            }
        }
    }

    private static async Task<T?> TryReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : class
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Relative paths (no leading slash) so a base address with a path prefix (http://gateway/faceapi/) keeps it.
    private static string EmbedPath(bool aligned, int? maxFaces) =>
        Query("embed", ("aligned", aligned ? "true" : null), ("maxFaces", maxFaces?.ToString(CultureInfo.InvariantCulture)));

    private static string VerifyPath(float? threshold) =>
        Query("verify", ("threshold", threshold?.ToString("R", CultureInfo.InvariantCulture)));

    private static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(parameter => parameter.Value is not null).Select(parameter => $"{parameter.Name}={Uri.EscapeDataString(parameter.Value!)}").ToArray();
        return given.Length == 0 ? path : $"{path}?{string.Join('&', given)}";
    }

    private static ByteArrayContent ImagePart(byte[] image) => new(image) { Headers = { ContentType = new MediaTypeHeaderValue(ImageContentType) } };

    /// <summary>
    /// The image in memory: a retry sends the body again, which a stream may not allow, and the caller's
    /// stream stays open (a <see cref="StreamContent"/> would dispose it).
    /// </summary>
    private static async Task<ByteArrayContent> ImagePartAsync(Stream image, CancellationToken cancellationToken)
    {
        using var buffer = image.CanSeek ? new MemoryStream(checked((int)(image.Length - image.Position))) : new MemoryStream();
        await image.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return ImagePart(buffer.ToArray());
    }

    private static StringContent EmbeddingPart(float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        return new StringContent(JsonSerializer.Serialize(embedding, Json));
    }
}
