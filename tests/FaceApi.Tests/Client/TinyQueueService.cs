using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Client;

/// <summary>
/// The service on Kestrel with room for one image request at a time and two faces in its queue, behind
/// an API key: overload answers (503 <c>queue_full</c>, 422 <c>too_many_faces</c>) come easily.
/// </summary>
public sealed class TinyQueueService : KestrelFaceApiFactory
{
    public const string ApiKey = "client-test-key";

    /// <summary>Two: fewer than the four faces of obama_family.jpg.</summary>
    public const int QueueCapacity = 2;

    public TinyQueueService()
    {
        Settings["FaceApi:Admission:MaxConcurrentRequests"] = "1";
        Settings["FaceApi:Batching:QueueCapacity"] = QueueCapacity.ToString(CultureInfo.InvariantCulture);
        // The service keeps only the SHA-256 of a key (ApiKeyOptions).
        Settings["FaceApi:Auth:ApiKeys:0"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey)));
    }
}
