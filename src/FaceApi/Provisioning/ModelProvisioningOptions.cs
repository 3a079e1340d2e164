using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace FaceApi.Provisioning;

/// <summary>Where the ONNX models live and how to fetch them when they are missing (section <c>FaceApi:Models</c>).</summary>
public sealed class ModelProvisioningOptions : IValidatableObject
{
    public const string SectionName = "FaceApi:Models";

    /// <summary>Folder holding the model files (relative to the working directory); relative model paths resolve against it. "/models" in containers.</summary>
    [Required]
    public string Directory { get; set; } = "models";

    /// <summary>Download <see cref="PackUrl"/> when a model file is missing; off for air-gapped installs that mount their own files.</summary>
    public bool AutoDownload { get; set; } = true;

    /// <summary>InsightFace's buffalo_l model pack, v0.7 release (about 326 MB).</summary>
    [Required]
    [Url]
    public string PackUrl { get; set; } = "https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip";

    /// <summary>SHA-256 of the whole pack, so a tampered or truncated download is never unpacked.</summary>
    [Required]
    [RegularExpression(Sha256HexPattern, ErrorMessage = "PackSha256 must be 64 hexadecimal digits.")]
    public string PackSha256 { get; set; } = "80ffe37d8a5940d59a7384c201a2a38d4741f2f3c51eef46ebb28218a7b0ca2f";

    /// <summary>
    /// Files taken from the pack (file name -> SHA-256). Only these are extracted; the pack's other models
    /// (landmarks, gender/age) are not used by FaceApi. Configuration adds to or overrides these entries.
    /// </summary>
    [Required]
    [MinLength(1)]
    public Dictionary<string, string> PackFiles { get; set; } = new(StringComparer.Ordinal)
    {
        ["w600k_r50.onnx"] = "4c06341c33c2ca1f86781dab0e829f88ad5b64be9fba56e56bc9ebdefc619e43",
        ["det_10g.onnx"] = "5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91",
    };

    /// <summary>
    /// Abort the download when no byte arrives for this long. HttpClient's own timeout stops at the response
    /// headers when the body is streamed, so without this a stalled connection would hang start-up forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Wait before the first new attempt after a failed download (a network blip, a registry outage); each
    /// further wait doubles, with random jitter so replicas that failed together do not retry together.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between download attempts; the service keeps trying, readiness says when next.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    private const string Sha256HexPattern = "^[0-9a-fA-F]{64}$";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < RetryDelay)
        {
            yield return new ValidationResult(
                $"MaxRetryDelay ({MaxRetryDelay}) must be at least RetryDelay ({RetryDelay}).", [nameof(MaxRetryDelay)]);
        }

        foreach (var (fileName, sha256) in PackFiles)
        {
            if (string.IsNullOrWhiteSpace(fileName) || Path.GetFileName(fileName) != fileName)
            {
                yield return new ValidationResult(
                    $"PackFiles key '{fileName}' must be a bare file name (no folder).", [nameof(PackFiles)]);
            }

            if (sha256 is null || !Regex.IsMatch(sha256, Sha256HexPattern))
            {
                yield return new ValidationResult(
                    $"PackFiles['{fileName}'] must be a SHA-256 of 64 hexadecimal digits.", [nameof(PackFiles)]);
            }
        }
    }
}
