using System.Text.Json;
using FaceApi.Benchmarks;

BenchmarkOptions? options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}{Environment.NewLine}{BenchmarkOptions.Usage}");
    return 2;
}

if (options is null)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

if (options.WriteModelPath is { } modelPath)
{
    BenchmarkRunner.WriteModel(options, modelPath);
    Console.WriteLine($"Model written to {modelPath}");
    return 0;
}

var report = await new BenchmarkRunner(options, line => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}")).RunAsync();
Console.WriteLine(ReportTable.Format(report));

var json = new JsonSerializerOptions
{
    WriteIndented = true,
    PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    // A cell with no successful request has NaN percentiles.
    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
};
await File.WriteAllTextAsync(options.OutputPath, JsonSerializer.Serialize(report, json));
Console.WriteLine($"Results written to {options.OutputPath}");
return 0;
