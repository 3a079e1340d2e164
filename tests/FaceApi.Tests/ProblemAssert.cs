using System.Net;
using System.Text.Json;

namespace FaceApi.Tests;

/// <summary>The one check of an error answer, for every test that expects one.</summary>
internal static class ProblemAssert
{
    /// <summary>
    /// Asserts an RFC 9457 problem response (application/problem+json) with the given status and
    /// stable <c>code</c>; returns the problem for further checks.
    /// </summary>
    public static async Task<JsonElement> IsProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), "a problem has a title (RFC 9457, 3.1.3)");
        return problem;
    }
}
