using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FaceApi.Tests.Hardening;

/// <summary>Request bodies the endpoints accept, and the checks every error answer must pass.</summary>
internal static class Requests
{
    public static MultipartFormDataContent Multipart(byte[] bytes, string field = "image", string fileName = "face.jpg") =>
        new() { { new ByteArrayContent(bytes), field, fileName } };

    public static JsonContent Json(object body) => JsonContent.Create(body);

    public static Task<HttpResponseMessage> EmbedAsync(this HttpClient client, HttpContent content, string query = "") =>
        client.PostAsync("/embed" + query, content, TestContext.Current.CancellationToken);

    /// <summary>Asserts the status and the problem <c>code</c>, and returns the problem document.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

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
