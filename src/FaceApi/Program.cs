using FaceApi.Core.Batching;
using FaceApi.Core.Comparison;
using FaceApi.Core.Detection;
using FaceApi.Core.Imaging;
using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Auth;
using FaceApi.Endpoints;
using FaceApi.Errors;
using FaceApi.Health;
using FaceApi.Hosting;
using FaceApi.Logging;
using FaceApi.Metrics;
using FaceApi.Models;
using FaceApi.OpenApi;
using FaceApi.Provisioning;
using FaceApi.RateLimiting;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;
using Prometheus;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

// Metrics: which of .NET's own meters /metrics publishes, set before the first scrape starts the adapter.
PublishedMeters.Apply();

// Logs: Serilog, plain or JSON console; request logging below. Never logs bodies.
builder.Services.AddFaceApiLogging(builder.Configuration);

// Settings: one class per concern, checked at start-up so a bad value stops the process with a clear message.
builder.Services.AddValidatedOptions<ImageDecodingOptions>("FaceApi:Limits");
builder.Services.AddValidatedOptions<DetectionOptions>("FaceApi:Detection");
builder.Services.AddValidatedOptions<RecognitionOptions>("FaceApi:Recognition");
builder.Services.AddValidatedOptions<VerificationOptions>("FaceApi:Verification");
builder.Services.AddValidatedOptions<InferenceOptions>("FaceApi:Inference");
// Data annotations do not look inside InferenceOptions.Cuda; its own rules are checked here.
builder.Services.AddValidatedOptions<CudaProviderOptions>("FaceApi:Inference:Cuda");
builder.Services.AddValidatedOptions<BatchingOptions>("FaceApi:Batching");
builder.Services.AddValidatedOptions<ShutdownOptions>("FaceApi:Shutdown");
// The readiness drain runs inside the host's shutdown; extend the timeout by it so in-flight work keeps its full time.
builder.Services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<ShutdownOptions>>(
    (host, shutdown) => host.ShutdownTimeout += shutdown.Value.ReadinessDrainDelay);
// One clock for retries and timers, so tests can drive them (FakeTimeProvider).
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddModelProvisioning();

// Request size: two images per /verify, base64 in JSON at worst; each endpoint and body shape has its own
// smaller limit (UploadLimits). Bodies are read whole, in memory, within a deadline, before admission.
builder.Services.AddRequestLimits(builder.Configuration);
builder.Services.AddValidatedOptions<UploadOptions>("FaceApi:Uploads");
builder.Services.AddSingleton<IValidateOptions<UploadOptions>, MaxBufferedBytesValidation>();

// Abuse and overload: optional API keys, per-client rate limits, and bounds on body bytes held, image requests and decoded pixels in progress.
builder.Services.AddValidatedOptions<ApiKeyOptions>("FaceApi:Auth");
builder.Services.AddValidatedOptions<RateLimitingOptions>("FaceApi:RateLimiting");
builder.Services.AddValidatedOptions<RequestAdmissionOptions>("FaceApi:Admission");
builder.Services.AddFaceApiRateLimiting();
builder.Services.AddSingleton<RequestAdmission>();
builder.Services.AddSingleton<BufferedBodyBudget>();
builder.Services.AddSingleton<DecodedPixelBudget>();
builder.Services.AddSingleton<UploadIntake>();

// Models load in the background; endpoints answer not_ready until they are warm.
builder.Services.AddSingleton<ModelFiles>();
builder.Services.AddSingleton<FaceEngine>();
builder.Services.AddHostedService<ModelLoader>();
builder.Services.AddFaceApiHealthChecks();

// Start-up: once ready, a burst of refused requests over loopback warms the request path, uncounted.
builder.Services.AddSingleton<WarmUpRequests>();
builder.Services.AddHostedService<LoopbackWarmUp>();

// Memory: after a burst of large uploads, give the freed heap back once the service goes quiet.
builder.Services.AddHostedService<IdleMemoryTrimmer>();

// Responses: JSON written by source-generated code.
builder.Services.AddFaceApiJson();

// Errors: problem details with a stable code, from one exception handler.
builder.Services.AddFaceApiProblemDetails();
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

// OpenAPI document and Swagger UI; the document is built once and then served from memory.
builder.Services.AddOpenApiDocumentCaching();
builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(options =>
{
    options.SwaggerDoc("v1", new() { Title = "FaceApi", Version = "v1", Description = "ArcFace face embeddings and face verification." });
    // Nullable annotations decide what the schemas promise: generated clients get `faces: EmbeddedFace[]`, not optional nulls.
    options.SupportNonNullableReferenceTypes();
    options.NonNullableReferenceTypesAsRequired();
    options.OperationFilter<UploadBodyOperationFilter>();
    options.OperationFilter<ExamplesOperationFilter>();
    options.DocumentFilter<HealthDocumentFilter>();
    options.AddSecurityDefinition(ApiKeySecurityOperationFilter.SchemeName, ApiKeySecurityOperationFilter.Scheme);
    options.OperationFilter<ApiKeySecurityOperationFilter>();
    options.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "FaceApi.xml"));
    // The contract records' docs describe the schemas (FaceBox, EmbedResponse, ...).
    options.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, "FaceApi.Contracts.xml"));
});

// Metrics on their own port when FaceApi:Metrics:Port is set, so they need not pass the load balancer.
var metricsPort = builder.Configuration.GetValue<int?>("FaceApi:Metrics:Port");
if (metricsPort is { } port)
{
    if (port is < 1 or > ushort.MaxValue)
    {
        throw new InvalidOperationException($"FaceApi:Metrics:Port must be a TCP port, 1 to 65535; got {port}.");
    }

    builder.Services.AddMetricServer(options => options.Port = (ushort)port);
}

var app = builder.Build();
if (args.Contains(ProvisionOnlyCommand.Flag))
{
    var exitCode = await ProvisionOnlyCommand.RunAsync(app.Services, CancellationToken.None);
    // Disposing the app flushes the log sinks (the console sink writes on its own thread): without
    // it the process exits before the operator reads what to download.
    await app.DisposeAsync();
    return exitCode;
}

app.Use(app.Services.GetRequiredService<WarmUpRequests>().MarkAsync);
app.UseRequestId();
app.UseSerilogRequestLogging(options => options.GetLevel = (context, _, exception) => RequestLogLevel.For(context, exception));
app.UseWhen(context => !WarmUpRequests.IsWarmUp(context), traffic => traffic.UseFaceApiHttpMetrics());
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<ApiKeyMiddleware>();
app.UseRateLimiter();

app.UseOutputCache();
app.UseSwagger();
app.UseSwaggerUI(options =>
{
    options.DocumentTitle = "FaceApi";
    // /swagger/index.html#/Faces/Embed opens that operation ready to try, with file pickers for the images.
    options.EnableDeepLinking();
    options.EnableTryItOutByDefault();
});

app.MapEmbedEndpoints().RequireRateLimiting(RateLimitingSetup.PerClientPolicy);
app.MapVerifyEndpoints().RequireRateLimiting(RateLimitingSetup.PerClientPolicy);
app.MapHealthEndpoints();
if (metricsPort is null)
{
    app.MapMetrics();
}

await app.RunAsync();
return 0;

/// <summary>The web host's entry point; public for WebApplicationFactory in tests.</summary>
public partial class Program;
