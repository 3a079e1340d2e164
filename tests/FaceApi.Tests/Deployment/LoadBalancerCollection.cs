namespace FaceApi.Tests.Deployment;

/// <summary>
/// The load-balancer tests run three processes and steady load of their own: alone, after the
/// other test classes, so neither slows the other into a timeout.
/// </summary>
[CollectionDefinition(nameof(LoadBalancerCollection), DisableParallelization = true)]
public sealed class LoadBalancerCollection;
