using FaceApi.Testing;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// One FaceApi replica as its own process (<see cref="ServiceProcess"/>) with the small test models
/// on the CPU, as a load balancer sees it: an upstream address and a readiness URL. A process rather
/// than WebApplicationFactory because the test stops it with real signals and needs its port to
/// really close.
/// </summary>
internal sealed class ServiceReplica : IAsyncDisposable
{
    private readonly ServiceProcess _service;

    private ServiceReplica(ServiceProcess service) => _service = service;

    /// <summary>The upstream address nginx is given, e.g. 127.0.0.1:41234.</summary>
    public string Address => $"127.0.0.1:{_service.Port}";

    public Uri ReadinessUri => _service.ReadinessUri;

    public ChildProcess Child => _service.Child;

    /// <summary>
    /// Starts a replica. <paramref name="readinessDrainDelay"/> is
    /// FaceApi:Shutdown:ReadinessDrainDelay, what a replica behind a load balancer sets.
    /// </summary>
    public static ServiceReplica Start(string name, TimeSpan readinessDrainDelay)
    {
        var settings = TestModelSettings.Create();
        settings["FaceApi:Inference:RequireGpu"] = "false";
        settings["FaceApi:Shutdown:ReadinessDrainDelay"] = readinessDrainDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        return new ServiceReplica(ServiceProcess.Start(name, ServiceProcess.HostAssemblyBesideThisProgram(), settings));
    }

    /// <summary>Waits until readiness answers 200; fails with the replica's log when it does not in time.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _service.WaitUntilReadyAsync(timeout, cancellationToken);

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}
