using System.Net.Http.Headers;

namespace FaceApi.Benchmarks;

/// <summary>
/// One upload, encoded once before the load starts so the load generator only copies bytes:
/// a multipart/form-data body with the image in the field <c>image</c>.
/// </summary>
/// <param name="Name">What the image is, for messages.</param>
/// <param name="Bytes">The whole multipart body.</param>
/// <param name="ContentType">Its Content-Type header, boundary included.</param>
internal sealed record RequestBody(string Name, byte[] Bytes, string ContentType)
{
    public static async Task<RequestBody> MultipartAsync(string name, byte[] image, string mediaType)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        form.Add(file, "image", name);
        return new RequestBody(name, await form.ReadAsByteArrayAsync(), form.Headers.ContentType!.ToString());
    }

    /// <summary>A fresh content object over the shared bytes (an HttpContent is sent once).</summary>
    public HttpContent ToContent()
    {
        var content = new ByteArrayContent(Bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        return content;
    }
}
