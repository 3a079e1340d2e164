using System.Text;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// A JSON /verify body of an exact length: two embeddings of the test recogniser's dimension, which the
/// service answers 200 without decoding anything, and an unknown string field padding it out. The
/// body-memory tests size bodies with it.
/// </summary>
internal static class PaddedVerifyBody
{
    public static byte[] Create(long length)
    {
        var embedding = "[" + string.Join(",", Enumerable.Repeat("0.5", FaceApiFactory.Dimension)) + "]";
        var head = $$"""{"embedding1":{{embedding}},"embedding2":{{embedding}},"padding":" """.TrimEnd();
        const string Tail = "\"}";
        return Encoding.ASCII.GetBytes(head + new string('a', (int)length - head.Length - Tail.Length) + Tail);
    }

    public static ByteArrayContent AsJson(byte[] body) => new(body) { Headers = { ContentType = new("application/json") } };
}
