using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.OpenApi;

/// <summary>
/// The committed OpenAPI document (docs/openapi.json) is the contract other stacks generate clients from;
/// this fails when the live document differs, so every contract change shows up as a diff in review.
/// Regenerate after an intended change: <c>FACEAPI_UPDATE_OPENAPI=1 dotnet test tests/FaceApi.Tests --filter OpenApiContract</c>.
/// </summary>
public sealed class OpenApiContractTests(FaceApiFactory service)
{
    private const string UpdateVariable = "FACEAPI_UPDATE_OPENAPI";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Keep '<', '>', '&' and non-ASCII readable in the committed file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    public async Task The_live_document_matches_the_committed_docs_openapi_json()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var committedPath = Path.Combine(TestData.RepositoryRoot ?? throw new InvalidOperationException("Not run from a checkout."), "docs", "openapi.json");
        var live = Normalize(await service.Client.GetStringAsync("/swagger/v1/swagger.json", cancellation));

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(committedPath, live, cancellation);
            return;
        }

        var committed = File.Exists(committedPath) ? Normalize(await File.ReadAllTextAsync(committedPath, cancellation)) : "";
        if (committed != live)
        {
            Assert.Fail($"The OpenAPI document differs from docs/openapi.json. If the change is intended, regenerate it with "
                + $"{UpdateVariable}=1 dotnet test tests/FaceApi.Tests --filter OpenApiContract and commit it.\n"
                + await DiffAsync(committedPath, live));
        }
    }

    /// <summary>Indented, with members in the order the service writes them: one line per value, so a diff is readable.</summary>
    private static string Normalize(string json) => JsonNode.Parse(json)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";

    private static async Task<string> DiffAsync(string committedPath, string live)
    {
        var livePath = Path.Combine(Path.GetTempPath(), $"openapi.live.{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(livePath, live);
        try
        {
            var (_, output) = await ExternalTool.RunAsync("diff", Path.GetTempPath(), TimeSpan.FromSeconds(30), "-u", "--label", "docs/openapi.json", "--label", "live", committedPath, livePath);
            return output;
        }
        finally
        {
            File.Delete(livePath);
        }
    }
}
