using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FaceApi.Provisioning;

public static class ModelProvisioningServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ModelProvisioningOptions"/> from <c>FaceApi:Models</c> (a bad value stops start-up) and
    /// registers <see cref="ModelProvisioner"/> as a typed HTTP client.
    /// </summary>
    public static IServiceCollection AddModelProvisioning(this IServiceCollection services)
    {
        services.AddOptions<ModelProvisioningOptions>()
            .BindConfiguration(ModelProvisioningOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<ModelProvisioner>();
        return services;
    }
}
