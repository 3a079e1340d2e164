namespace FaceApi.Hosting;

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it when the host starts.</summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
