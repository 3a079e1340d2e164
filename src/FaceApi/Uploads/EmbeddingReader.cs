using System.Text.Json;
using FaceApi.Errors;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a stored embedding, a JSON array of numbers, counting the values as it goes: past the
/// model's length it stops with 400, so an array of 27 million zeros costs the time to reach value
/// 513, not 1 GB of parsed numbers (issue 13).
/// </summary>
internal static class EmbeddingReader
{
    /// <summary>Reads the array at <paramref name="reader"/>'s current token; leaves the reader on its end.</summary>
    public static float[] Read(ref Utf8JsonReader reader, string field, int dimension)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ApiProblemException.InvalidRequest($"'{field}' must be an array of numbers.");
        }

        var values = new float[dimension];
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count == dimension)
            {
                throw ApiProblemException.InvalidRequest($"'{field}' has more than {dimension} values; this model's embeddings have {dimension}.");
            }

            // JSON has no NaN or Infinity literals, but numbers beyond float range overflow to infinity.
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetSingle(out var value) || !float.IsFinite(value))
            {
                throw ApiProblemException.InvalidRequest($"'{field}' must contain only finite numbers.");
            }

            values[count++] = value;
        }

        if (count != dimension)
        {
            throw ApiProblemException.InvalidRequest($"'{field}' has {count} values; this model's embeddings have {dimension}.");
        }

        return values;
    }

    /// <summary>Reads an embedding sent as text (a multipart field): the same array, on its own.</summary>
    public static float[] ReadText(ReadOnlySpan<byte> utf8, string field, int dimension)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            reader.Read();
            var values = Read(ref reader, field, dimension);
            if (reader.Read())
            {
                throw ApiProblemException.InvalidRequest($"'{field}' must be one JSON array of numbers.");
            }

            return values;
        }
        catch (JsonException)
        {
            throw ApiProblemException.InvalidRequest($"'{field}' must be a JSON array of numbers.");
        }
    }
}
