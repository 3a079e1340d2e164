using FaceApi.Testing;
using FaceApi.Tests.Hosting;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.OpenApi;

/// <summary>
/// Proves that a non-.NET backend can generate a working client from the live OpenAPI document: in
/// tests/typescript-client, openapi-typescript generates types from this service's document, tsc checks
/// a program that calls /embed and /verify with openapi-fetch, and the program runs against the service
/// on its loopback port with the shared test models. Needs Node.js and npm (and the npm registry for
/// <c>npm ci</c>): a developer's machine without them skips, CI (<c>CI=true</c>) fails.
/// </summary>
public sealed class TypeScriptClientTests(KestrelFaceApiFactory service)
{
    // npm ci fetches three pinned packages; tsc and the run take seconds. Generous for a busy CI machine.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_client_generated_with_openapi_typescript_type_checks_and_calls_embed_and_verify()
    {
        _ = service.Client; // skips when the shared test data is absent
        var npm = ExternalTool.Require("npm", "install Node.js 20 or later with npm (apt-get install -y nodejs npm)");
        var project = Path.Combine(TestData.RepositoryRoot!, "tests", "typescript-client");
        var environment = new Dictionary<string, string>
        {
            ["FACEAPI_URL"] = service.BaseAddress.ToString().TrimEnd('/'),
            ["FACEAPI_FACES"] = TestData.Path("faces"),
        };

        foreach (var step in new[] { "ci --no-audit --no-fund", "run generate", "run build", "run check" })
        {
            var (exitCode, output) = await ExternalTool.RunAsync(npm, project, StepTimeout, environment, step.Split(' '));
            Assert.True(exitCode == 0, $"npm {step} failed ({exitCode}):\n{output}");
        }
    }
}
