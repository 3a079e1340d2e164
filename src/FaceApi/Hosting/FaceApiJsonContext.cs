using System.Text.Json;
using System.Text.Json.Serialization;
using FaceApi.Contracts;

namespace FaceApi.Hosting;

/// <summary>
/// Source-generated JSON for the responses the endpoints write: the serializer's metadata for
/// them is compiled in instead of built by reflection, and their properties are written by
/// generated code. Web defaults (camelCase), as minimal APIs use without it, so the wire format is unchanged.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EmbedResponse))]
[JsonSerializable(typeof(VerifyResponse))]
internal sealed partial class FaceApiJsonContext : JsonSerializerContext;

internal static class FaceApiJsonSetup
{
    /// <summary>Puts the generated metadata first in the chain; types it does not know (problem details) resolve as before.</summary>
    public static IServiceCollection AddFaceApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, FaceApiJsonContext.Default));
}
