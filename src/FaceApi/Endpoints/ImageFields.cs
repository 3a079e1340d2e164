namespace FaceApi.Endpoints;

/// <summary>Body field names of the endpoints, shared by the handlers and the OpenAPI description.</summary>
public static class ImageFields
{
    public const string Image = "image";
    public const string Image1 = "image1";
    public const string Image2 = "image2";
    public const string Embedding1 = "embedding1";
    public const string Embedding2 = "embedding2";
}
