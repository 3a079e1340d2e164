using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Inference;

/// <summary>How ONNX Runtime sessions are created and pooled (configuration section <c>FaceApi:Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary>Sessions per model. Each can run one batch at a time.</summary>
    [Range(1, 64)]
    public int PoolSize { get; set; } = 1;

    /// <summary>
    /// The execution providers to use: CUDA is tried first when listed, and the CPU provider always
    /// ends the chain. Empty means CUDA, then CPU; <c>["CPU"]</c> means CPU only. (Empty rather than pre-filled because the configuration binder appends to a
    /// list that already has items, so <c>["CPU"]</c> could never switch CUDA off.)
    /// </summary>
    public IList<ExecutionProvider> Providers { get; set; } = [];

    /// <summary>Whether the chain asks for CUDA.</summary>
    public bool WantsCuda => Providers.Count == 0 || Providers.Contains(ExecutionProvider.Cuda);

    /// <summary>
    /// Refuse to serve on CPU when CUDA was asked for but could not be loaded. A silent CPU fallback
    /// is the most common complaint about GPU face services, so operators can make it fatal.
    /// </summary>
    public bool RequireGpu { get; set; }

    /// <summary>CUDA provider settings.</summary>
    [Required]
    public CudaProviderOptions Cuda { get; set; } = new();

    /// <summary>
    /// Intra-op threads per CPU session; 0 divides the machine's cores between the pool's sessions.
    /// </summary>
    [Range(0, 1024)]
    public int CpuIntraOpThreads { get; set; }

    /// <summary>
    /// Threads that decode, detect and align photos (<see cref="Scheduling.ComputeScheduler"/>); 0 is one
    /// per core. Decoding runs on the CPU even when the models run on a GPU, so a GPU deployment wants
    /// as many as the cores it has.
    /// </summary>
    [Range(0, 1024)]
    public int ComputeThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads busy-wait for work after each parallel step
    /// (<c>session.intra_op.allow_spinning</c>, on in ONNX Runtime by default). Off here: a session
    /// is idle between batches, and spinning threads then burn cores the request threads need
    /// (issue 11: with a near-free model, most of the service's ONNX Runtime CPU time was spinning).
    /// </summary>
    public bool CpuIntraOpSpinning { get; set; }

    /// <summary>
    /// How many nice steps below the process's main thread the threads that decode and run the models
    /// work at on Linux (<see cref="Scheduling.ComputeThreadPriority"/>): the compute threads, the
    /// batcher's inference threads and ONNX Runtime's intra-op threads; elsewhere the first two run at
    /// below-normal priority. 0 leaves them at the process's priority.
    /// When every core is busy, the request threads then come first, so a photo burst's refusals are
    /// not queued behind decoding and inference; the compute threads still take every core the
    /// requests leave idle.
    /// </summary>
    /// <remarks>
    /// Issue 13, 2-core development VM, 2 December 2026, 10 interleaved runs each way of
    /// <c>deploy/attacks/burst.py --rounds 3 --generator-nice 19</c> (the load generator at the lowest
    /// priority, as if it ran on another machine): refusals' p99 over 30 bursts from a median of 67 ms
    /// at 0 to 36 ms at 5, bursts with a p99 over 100 ms from 8 to 3. The cost: under a closed-loop
    /// flood of refused photos (32 clients for 16 s), medians of 197 photos served at 5 against 227 at
    /// 0, while more refusals were answered (README, Operating it).
    /// </remarks>
    [Range(0, Scheduling.ComputeThreadPriority.MaxNice)]
    public int ComputeNiceness { get; set; } = 5;
}
