using System.Diagnostics;
using FaceApi.Testing;

namespace FaceApi.Benchmarks;

/// <summary>CPU times and service counters at one instant; two of them bound a measurement window.</summary>
internal sealed record ResourceSnapshot(long Timestamp, TimeSpan ClientCpu, TimeSpan ServiceCpu, TimeSpan MachineBusy, ServerCounters Counters)
{
    public static async Task<ResourceSnapshot> TakeAsync(ServiceProcess service, HttpClient client)
    {
        // The scrape first, so the CPU times that follow include its cost on both sides.
        var counters = await ServerCounters.ReadAsync(client, service.Address);
        using var self = Process.GetCurrentProcess();
        return new ResourceSnapshot(Stopwatch.GetTimestamp(), self.TotalProcessorTime, service.Child.CpuTime, MachineCpu.BusyTime(), counters);
    }
}
