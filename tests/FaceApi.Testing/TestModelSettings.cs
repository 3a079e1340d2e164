using System.Globalization;

namespace FaceApi.Testing;

/// <summary>
/// The service settings (HELPERS.md) that run it with the small real models of ../shared/testdata:
/// SCRFD-2.5G for detection and MobileFaceNet for recognition, no downloads. The one place these are
/// written down; each host a test starts adds its own settings on top.
/// </summary>
public static class TestModelSettings
{
    /// <summary>
    /// MobileFaceNet's decision threshold (issue 2): between the highest different-person similarity
    /// and the lowest same-person one of the labelled photos (<see cref="IdentityFigures"/>).
    /// </summary>
    public const float VerificationThreshold = 0.35f;

    public const string RecognitionModelName = "mobilefacenet";

    /// <summary>Configuration entries with <c>FaceApi:Section:Key</c> keys, as a host builder takes them.</summary>
    /// <remarks>
    /// The models folder is named even when the data is absent, so a factory can still be built; a
    /// host that needs it fails to start with <see cref="TestData.MissingMessage"/>.
    /// </remarks>
    public static Dictionary<string, string?> Create() => new()
    {
        ["FaceApi:Models:Directory"] = TestData.Folder is null ? "models" : System.IO.Path.Combine(TestData.Folder, "models"),
        ["FaceApi:Models:AutoDownload"] = "false",
        ["FaceApi:Recognition:ModelPath"] = "mobilefacenet.onnx",
        ["FaceApi:Recognition:Name"] = RecognitionModelName,
        // MobileFaceNet takes BGR, (x-127.5)/128 (SOURCES.md).
        ["FaceApi:Recognition:ChannelOrder"] = "BGR",
        ["FaceApi:Recognition:Mean"] = "127.5",
        ["FaceApi:Recognition:Std"] = "128",
        ["FaceApi:Detection:ModelPath"] = "scrfd_2.5g_bnkps.onnx",
        ["FaceApi:Verification:Threshold"] = VerificationThreshold.ToString(CultureInfo.InvariantCulture),
        // Tests send many images at once to one service on a shared, often busy two-core machine and expect
        // answers: load shedding by expected wait is off (ten minutes) except where a test sets its own.
        ["FaceApi:Admission:MaxQueueTime"] = "00:10:00",
    };

    /// <summary>The same settings as environment variables (<c>FaceApi__Section__Key</c>), for a service run as its own process.</summary>
    public static Dictionary<string, string?> CreateEnvironment() =>
        Create().ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value);
}
