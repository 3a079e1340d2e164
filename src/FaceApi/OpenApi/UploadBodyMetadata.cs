namespace FaceApi.OpenApi;

/// <summary>
/// Endpoint metadata naming the image and embedding fields its body carries. Handlers read the body
/// themselves (several content types), so this is what tells the OpenAPI document and the upload
/// reader about it.
/// </summary>
public sealed record UploadBodyMetadata(IReadOnlyList<string> ImageFields, IReadOnlyList<string> EmbeddingFields)
{
    /// <summary>
    /// An endpoint that takes exactly one image and nothing else also takes that image as the whole
    /// body (<c>Content-Type: image/jpeg</c> and the like), with no multipart or base64 around it.
    /// </summary>
    public bool AcceptsRawImage => ImageFields.Count == 1 && EmbeddingFields.Count == 0;

    /// <summary>The field <paramref name="name"/> names (field names are case-insensitive), or null for an unknown field.</summary>
    public string? Match(string name) => Fields.FirstOrDefault(field => field.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// <see cref="Match(string)"/> for a name still in UTF-8, as a JSON reader holds it: no string is made.
    /// Field names are ASCII, so a name with any other byte matches none.
    /// </summary>
    public string? Match(ReadOnlySpan<byte> utf8Name)
    {
        foreach (var field in Fields)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(utf8Name, field))
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="field"/> (as <see cref="Match(string)"/> returns it) is an image field.</summary>
    public bool IsImageField(string field) => ImageFields.Contains(field);

    private IEnumerable<string> Fields => ImageFields.Concat(EmbeddingFields);
}
