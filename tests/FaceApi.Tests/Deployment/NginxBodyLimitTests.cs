using System.Globalization;
using System.Text.RegularExpressions;
using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using FaceApi.Testing;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// The load balancer's body limit against the service's own: nginx must not refuse a body the
/// service would accept, and need not let through much more than the service would read.
/// </summary>
public sealed partial class NginxBodyLimitTests
{
    private const long Mebibyte = 1024 * 1024;

    [Fact]
    public void Nginx_accepts_every_body_the_service_accepts_and_refuses_with_the_same_limit_in_its_problem_details()
    {
        var repository = TestData.RepositoryRoot
            ?? throw new InvalidOperationException("The repository root (FaceApi.sln) was not found; deploy/nginx/faceapi.conf is read from it.");

        var config = File.ReadAllText(Path.Combine(repository, "deploy", "nginx", "faceapi.conf"));
        var serviceLimit = RequestLimits.MaxBodyBytes(new ImageDecodingOptions().MaxEncodedBytes);

        var limit = BodySizeDirective().Match(config);
        Assert.True(limit.Success, "deploy/nginx/faceapi.conf has no 'client_max_body_size <n>m;'.");
        var nginxMebibytes = long.Parse(limit.Groups["mebibytes"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(nginxMebibytes * Mebibyte, serviceLimit, serviceLimit + Mebibyte - 1);

        var detail = PayloadTooLargeDetail().Match(config);
        Assert.True(detail.Success, "deploy/nginx/faceapi.conf has no payload_too_large problem saying 'The request body exceeds <n> MiB.'.");
        Assert.Equal(nginxMebibytes, long.Parse(detail.Groups["mebibytes"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\s*client_max_body_size (?<mebibytes>\d+)m;", RegexOptions.Multiline)]
    private static partial Regex BodySizeDirective();

    [GeneratedRegex(@"The request body exceeds (?<mebibytes>\d+) MiB\.")]
    private static partial Regex PayloadTooLargeDetail();
}
