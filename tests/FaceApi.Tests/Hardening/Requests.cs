using System.Net.Http.Json;
using System.Text.Json;

namespace FaceApi.Tests.Hardening;

/// <summary>Request bodies the endpoints accept, and reading the problem code of an answer.</summary>
internal static class Requests
{
    public static MultipartFormDataContent Multipart(byte[] bytes, string field = "image", string fileName = "face.jpg") =>
        new() { { new ByteArrayContent(bytes), field, fileName } };

    public static JsonContent Json(object body) => JsonContent.Create(body);

    public static Task<HttpResponseMessage> EmbedAsync(this HttpClient client, HttpContent content, string query = "") =>
        client.PostAsync("/embed" + query, content, TestContext.Current.CancellationToken);

    /// <summary>The problem <c>code</c> of an error answer, or null for a success.</summary>
    public static async Task<string?> ProblemCodeAsync(this HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("code").GetString();
    }
}
