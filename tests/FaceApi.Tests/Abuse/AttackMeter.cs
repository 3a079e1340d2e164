using System.Diagnostics;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Measures one attack on the in-process service: wall time, bytes the process allocated (managed,
/// all threads), and resident memory before, at its peak (sampled every 10 ms) and after. The test
/// process is the server, so these are the server's figures, plus the client's share, which each
/// test keeps small by building its request before the meter starts.
/// </summary>
internal sealed class AttackMeter : IAsyncDisposable
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long _allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    private readonly long _residentBefore = Resident();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _residentPeak;

    private AttackMeter()
    {
        _residentPeak = _residentBefore;
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var now = Resident();
                if (now > Interlocked.Read(ref _residentPeak))
                {
                    Interlocked.Exchange(ref _residentPeak, now);
                }

                await Task.Delay(10, CancellationToken.None);
            }
        });
    }

    public static AttackMeter Start() => new();

    /// <summary>Stops the meter and returns its figures.</summary>
    public async Task<AttackFigures> StopAsync()
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        await _stop.CancelAsync();
        await _sampler;
        return new AttackFigures(
            elapsed,
            (GC.GetTotalAllocatedBytes(precise: true) - _allocatedBefore) / 1048576.0,
            _residentBefore / 1048576.0,
            Interlocked.Read(ref _residentPeak) / 1048576.0,
            Resident() / 1048576.0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }

    private static long Resident()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}

/// <summary>What an attack cost the service.</summary>
internal sealed record AttackFigures(TimeSpan Elapsed, double AllocatedMiB, double ResidentBeforeMiB, double ResidentPeakMiB, double ResidentAfterMiB)
{
    public double ResidentGrowthMiB => ResidentPeakMiB - ResidentBeforeMiB;

    public override string ToString() =>
        $"{Elapsed.TotalSeconds:F2} s, allocated {AllocatedMiB:F0} MiB, RSS {ResidentBeforeMiB:F0} -> peak {ResidentPeakMiB:F0} -> {ResidentAfterMiB:F0} MiB";
}
