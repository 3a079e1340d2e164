using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FaceApi.Tests.Endpoints;

/// <summary>Reads success bodies strictly: every documented field must be present.</summary>
internal static class WireJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Asserts a 200 with a JSON body (showing the body otherwise) and reads it as <typeparamref name="T"/>.</summary>
    public static async Task<T> ReadOkAsync<T>(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"Expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<T>(Options, TestContext.Current.CancellationToken))!;
    }
}
