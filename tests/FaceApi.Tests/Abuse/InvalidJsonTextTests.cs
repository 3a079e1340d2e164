using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FaceApi.Tests.Hardening;
using Serilog.Events;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Strings that are well-formed JSON tokens but spell no text: a lone surrogate escape, or a byte that is
/// not UTF-8. Utf8JsonReader reads past them and throws InvalidOperationException (not JsonException)
/// only when the string is copied out, which answered 500 <c>internal_error</c> with an Error log.
/// They are malformed JSON: 400 <c>invalid_request</c>, and nothing for the operator to look at.
/// </summary>
public sealed class InvalidJsonTextTests(DefaultService factory) : IClassFixture<DefaultService>
{
    public static TheoryData<string, string> Bodies => new()
    {
        { "/embed", "{\"\\udc00\":1}" },
        { "/embed", "{\"\\xff\":1}" },
        { "/embed", "{\"image\":\"\\ud800\"}" },
        { "/verify", "{\"\\udc00\":1}" },
        { "/verify", "{\"\\xff\":1}" },
        { "/verify", "{\"image1\":\"\\ud800\"}" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_json_string_that_is_not_text_is_an_invalid_request_not_a_server_error(string path, string body)
    {
        var client = await factory.CreateReadyClientAsync();
        using var content = new ByteArrayContent(Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(path, content, TestContext.Current.CancellationToken);

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.DoesNotContain(factory.Logs.Events, e => e.Level >= LogEventLevel.Error);
    }

    // "\xff" in the cases above stands for the raw byte 0xFF (never valid in UTF-8, RFC 3629 §1), which
    // Latin-1 writes as that one byte; "\udc00" and "\ud800" stay the JSON escapes they are.
    private static byte[] Bytes(string body) => Encoding.Latin1.GetBytes(body.Replace("\\xff", "\u00ff", StringComparison.Ordinal));
}
