using System.IO.Compression;
using System.Text.Json;
using FaceApi.Contracts;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Provisioning;

/// <summary>
/// A model download that fails at start-up is tried again with backoff until it succeeds; meanwhile
/// readiness says loading, why, and when the next attempt is (issue 13, item 11).
/// </summary>
public sealed class DownloadRetryTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_download_that_fails_twice_then_succeeds_ends_ready_without_a_restart()
    {
        var pack = RealModelPack();
        var failures = 0;
        await using var server = await LoopbackPackServer.StartAsync(context =>
        {
            if (Interlocked.Increment(ref failures) <= 2)
            {
                context.Response.StatusCode = (int)System.Net.HttpStatusCode.ServiceUnavailable;
                return Task.CompletedTask;
            }

            context.Response.ContentType = "application/zip";
            context.Response.ContentLength = pack.Zip.Length;
            return context.Response.Body.WriteAsync(pack.Zip, context.RequestAborted).AsTask();
        });
        var models = Directory.CreateTempSubdirectory("faceapi-retry-models-");
        try
        {
            await using var service = new DownloadingService(server.PackUrl, pack, models.FullName);
            using var client = service.CreateClient();

            var seen = await PollReadinessUntilReadyAsync(client);

            var waiting = seen.Where(answer => answer.Status == ReadinessStatus.Loading && answer.Reason is not null).ToArray();
            Assert.NotEmpty(waiting);
            Assert.All(waiting, answer =>
            {
                Assert.Contains("503", answer.Reason, StringComparison.Ordinal);
                Assert.NotNull(answer.NextAttemptAt);
            });
            Assert.DoesNotContain(seen, answer => answer.Status == ReadinessStatus.Failed);
            Assert.Equal(ReadinessStatus.Ready, seen[^1].Status);
            Assert.Null(seen[^1].NextAttemptAt);
            Assert.Equal(3, server.RequestCount);
        }
        finally
        {
            models.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_404_is_permanent_it_ends_failed_after_exactly_one_request()
    {
        var pack = RealModelPack();
        await using var server = await LoopbackPackServer.StartAsync(context =>
        {
            context.Response.StatusCode = (int)System.Net.HttpStatusCode.NotFound;
            return Task.CompletedTask;
        });
        var models = Directory.CreateTempSubdirectory("faceapi-retry-models-");
        try
        {
            await using var service = new DownloadingService(server.PackUrl, pack, models.FullName);
            using var client = service.CreateClient();

            var seen = await PollReadinessUntilReadyAsync(client);

            Assert.Equal(ReadinessStatus.Failed, seen[^1].Status);
            Assert.Contains("HTTP 404", seen[^1].Reason, StringComparison.Ordinal);
            Assert.Null(seen[^1].NextAttemptAt);
            // Several retry delays (300 ms doubling, capped at 1 s) later, still no second request.
            await Task.Delay(TimeSpan.FromSeconds(2), Cancellation);
            Assert.Equal(1, server.RequestCount);
        }
        finally
        {
            models.Delete(recursive: true);
        }
    }

    private static async Task<List<ReadinessResponse>> PollReadinessUntilReadyAsync(HttpClient client)
    {
        var seen = new List<ReadinessResponse>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/health/ready", Cancellation);
            var readiness = JsonSerializer.Deserialize<ReadinessResponse>(await response.Content.ReadAsStringAsync(Cancellation), JsonSerializerOptions.Web)!;
            seen.Add(readiness);
            if (readiness.Status is ReadinessStatus.Ready or ReadinessStatus.Failed)
            {
                return seen;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), Cancellation);
        }

        throw new TimeoutException($"Not ready within a minute; last answer {seen[^1]}");
    }

    /// <summary>A pack holding the real test models under the names the test settings load.</summary>
    private static (byte[] Zip, Dictionary<string, string> Hashes) RealModelPack()
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in new[] { "mobilefacenet.onnx", "scrfd_2.5g_bnkps.onnx" })
            {
                var bytes = File.ReadAllBytes(TestData.Require(Path.Combine("models", name)));
                hashes[name] = TestModelPack.Sha256(bytes);
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(bytes);
            }
        }

        return (zip.ToArray(), hashes);
    }

    /// <summary>The service with the test models' settings, an empty models folder and the loopback pack server as its source.</summary>
    private sealed class DownloadingService : FaceApiFactory
    {
        public DownloadingService(string packUrl, (byte[] Zip, Dictionary<string, string> Hashes) pack, string modelsFolder)
        {
            Settings["FaceApi:Models:Directory"] = modelsFolder;
            Settings["FaceApi:Models:AutoDownload"] = "true";
            Settings["FaceApi:Models:PackUrl"] = packUrl;
            Settings["FaceApi:Models:PackSha256"] = TestModelPack.Sha256(pack.Zip);
            foreach (var (name, sha256) in pack.Hashes)
            {
                Settings[$"FaceApi:Models:PackFiles:{name}"] = sha256;
            }

            // Long enough for the poll (every 20 ms) to see the waiting state, short enough for a quick test.
            Settings["FaceApi:Models:RetryDelay"] = "00:00:00.300";
            Settings["FaceApi:Models:MaxRetryDelay"] = "00:00:01";
        }
    }
}
