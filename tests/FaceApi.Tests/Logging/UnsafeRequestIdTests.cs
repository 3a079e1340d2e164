using System.Text.Json;
using System.Text.RegularExpressions;
using FaceApi.Hosting;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Logging;

/// <summary>
/// A caller's X-Request-Id is echoed and logged only when it is short and plain; anything else (log
/// injection, markup, paths, overlong ids) is replaced by the server's own id everywhere.
/// </summary>
public sealed partial class UnsafeRequestIdTests(FaceApiFactory service)
{
    public static TheoryData<string> UnsafeIds() => new()
    {
        "has spaces in it",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "id\u00e9-with-non-ascii",
        "quote\"and;semicolon",
        new string('a', 65),
    };

    [Theory]
    [MemberData(nameof(UnsafeIds))]
    public async Task An_unsafe_request_id_is_replaced_by_the_servers_own_in_the_header_and_the_problem(string unsafeId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        Assert.True(request.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, unsafeId));

        using var response = await service.Client.SendAsync(request, TestContext.Current.CancellationToken);

        var echoed = Assert.Single(response.Headers.GetValues(RequestIdMiddleware.HeaderName));
        Assert.NotEqual(unsafeId, echoed);
        Assert.Matches(SafeId(), echoed);
        var problem = await ProblemAssert.IsProblemAsync(response, System.Net.HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(echoed, problem.GetProperty("requestId").GetString());
        Assert.DoesNotContain(unsafeId, JsonSerializer.Serialize(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_request_id_of_64_characters_is_kept()
    {
        var plainId = new string('a', 60) + "-1:2";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add(RequestIdMiddleware.HeaderName, plainId);

        using var response = await service.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(plainId, Assert.Single(response.Headers.GetValues(RequestIdMiddleware.HeaderName)));
    }

    // What the service itself hands out and accepts: letters, digits and a few separators, at most 64.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeId();
}
