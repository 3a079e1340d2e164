using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using FaceApi.Core.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Core.Inference;

/// <summary>
/// A fixed set of <see cref="InferenceSession"/>s over one model file. Each session runs one
/// <c>Run</c> at a time, so the pool size is the number of batches that can be computed at once;
/// a session has its own intra-op thread pool, so CPU sessions split the cores between them.
/// </summary>
public sealed class InferenceSessionPool : IDisposable
{
    // Pools loaded and not yet disposed in this process: what tests read to check that a failed
    // load, or a stop during loading, releases the sessions (native memory, GPU memory) it created.
    private static int _openPools;

    private readonly InferenceSession[] _sessions;
    private readonly Channel<InferenceSession> _idle;
    private int _disposed;

    private InferenceSessionPool(InferenceSession[] sessions, ExecutionProvider provider, string? fallbackReason)
    {
        _sessions = sessions;
        Provider = provider;
        CudaFallbackReason = fallbackReason;
        _idle = Channel.CreateBounded<InferenceSession>(sessions.Length);
        foreach (var session in sessions)
        {
            _idle.Writer.TryWrite(session);
        }

        Interlocked.Increment(ref _openPools);
    }

    /// <summary>Pools loaded and not yet disposed in this process.</summary>
    internal static int OpenPools => Volatile.Read(ref _openPools);

    /// <summary>The provider the sessions actually run on.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>Why CUDA was asked for but not used; null when CUDA runs or was not asked for.</summary>
    public string? CudaFallbackReason { get; }

    /// <summary>Number of sessions.</summary>
    public int Size => _sessions.Length;

    /// <summary>A session for reading the model's metadata (inputs, outputs); never run it outside a lease.</summary>
    public InferenceSession Metadata => _sessions[0];

    /// <summary>
    /// Loads <paramref name="options"/>.<see cref="InferenceOptions.PoolSize"/> sessions over the model at
    /// <paramref name="modelPath"/> on the first provider of the chain that loads.
    /// </summary>
    /// <exception cref="GpuUnavailableException">CUDA is required but could not be loaded.</exception>
    public static InferenceSessionPool Load(string modelPath, InferenceOptions options, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ComputeNiceness);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"Model file not found: {modelPath}", modelPath);
        }

        var provider = ExecutionProvider.Cpu;
        string? fallbackReason = null;
        var sessions = new InferenceSession[options.PoolSize];
        try
        {
            for (var i = 0; i < sessions.Length; i++)
            {
                // Only the first session probes CUDA: if it fails, the rest go straight to CPU, so
                // the reason is found (and logged) once.
                var wantCuda = options.WantsCuda && (i == 0 || provider == ExecutionProvider.Cuda);
                using var sessionOptions = CreateSessionOptions(options, wantCuda, out var cudaError);
                if (i == 0)
                {
                    provider = wantCuda && cudaError is null ? ExecutionProvider.Cuda : ExecutionProvider.Cpu;
                    fallbackReason = cudaError;
                }

                sessions[i] = CreateSession(modelPath, sessionOptions, options.ComputeNiceness);
            }
        }
        catch
        {
            foreach (var session in sessions)
            {
                session?.Dispose();
            }

            throw;
        }

        if (fallbackReason is not null)
        {
            if (options.RequireGpu)
            {
                foreach (var session in sessions)
                {
                    session.Dispose();
                }

                throw new GpuUnavailableException(fallbackReason);
            }

            logger.LogWarning(
                "CUDA is unavailable for {Model}, running on CPU instead: {Reason}",
                Path.GetFileName(modelPath),
                fallbackReason);
        }

        logger.LogInformation(
            "Loaded {Model} in {PoolSize} session(s) on {Provider}",
            Path.GetFileName(modelPath),
            sessions.Length,
            provider);
        return new InferenceSessionPool(sessions, provider, fallbackReason);
    }

    /// <summary>Waits for an idle session; dispose the lease to give it back.</summary>
    public async ValueTask<SessionLease> RentAsync(CancellationToken cancellationToken)
    {
        var session = await _idle.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new SessionLease(this, session);
    }

    /// <summary>Blocks the calling thread until a session is idle; dispose the lease to give it back.</summary>
    public SessionLease Rent()
    {
        InferenceSession? session;
        while (!_idle.Reader.TryRead(out session))
        {
            if (!_idle.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                throw new ObjectDisposedException(nameof(InferenceSessionPool));
            }
        }

        return new SessionLease(this, session);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Interlocked.Decrement(ref _openPools);
        }

        _idle.Writer.TryComplete();
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }

    private void Return(InferenceSession session) => _idle.Writer.TryWrite(session);

    /// <summary>
    /// Creates the session on a thread <paramref name="niceness"/> nice steps below the process, so that
    /// the intra-op threads ONNX Runtime starts for it inherit that priority (<see cref="ComputeThreadPriority"/>).
    /// </summary>
    private static InferenceSession CreateSession(string modelPath, SessionOptions sessionOptions, int niceness)
    {
        // Elsewhere than Linux, priority is not inherited (ComputeThreadPriority): a thread would buy nothing.
        if (niceness == 0 || !OperatingSystem.IsLinux())
        {
            return new InferenceSession(modelPath, sessionOptions);
        }

        InferenceSession? session = null;
        ExceptionDispatchInfo? failure = null;
        ComputeThreadPriority.StartThread("faceapi-onnxrt", niceness, () =>
        {
            try
            {
                session = new InferenceSession(modelPath, sessionOptions);
            }
            catch (Exception exception)
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
        }).Join();
        failure?.Throw();
        return session!;
    }

    private static SessionOptions CreateSessionOptions(InferenceOptions options, bool wantCuda, out string? cudaError)
    {
        cudaError = null;
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // Parallelism comes from the pool and from intra-op threads; one inter-op thread is
            // enough for these sequential CNNs.
            InterOpNumThreads = 1,
            IntraOpNumThreads = options.CpuIntraOpThreads > 0
                ? options.CpuIntraOpThreads
                : Math.Max(1, Environment.ProcessorCount / options.PoolSize),
        };
        // Key from onnxruntime_session_options_config_keys.h; "0" lets idle intra-op threads sleep.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.CpuIntraOpSpinning ? "1" : "0");

        if (wantCuda)
        {
            try
            {
                using var cuda = new OrtCUDAProviderOptions();
                var settings = new Dictionary<string, string>
                {
                    ["device_id"] = options.Cuda.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["cudnn_conv_algo_search"] = options.Cuda.CudnnConvAlgoSearch,
                    ["arena_extend_strategy"] = options.Cuda.ArenaExtendStrategy,
                };
                if (options.Cuda.GpuMemoryLimitBytes > 0)
                {
                    settings["gpu_mem_limit"] = options.Cuda.GpuMemoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                cuda.UpdateOptions(settings);
                sessionOptions.AppendExecutionProvider_CUDA(cuda);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                // Typically "libcublasLt.so.13: cannot open shared object file": CUDA 13 / cuDNN 9 absent.
                cudaError = ex.Message;
            }
        }

        return sessionOptions;
    }

    /// <summary>A rented session; disposing it returns the session to the pool.</summary>
    public readonly struct SessionLease : IDisposable
    {
        private readonly InferenceSessionPool _pool;

        internal SessionLease(InferenceSessionPool pool, InferenceSession session)
        {
            _pool = pool;
            Session = session;
        }

        /// <summary>The rented session.</summary>
        public InferenceSession Session { get; }

        /// <inheritdoc />
        public void Dispose() => _pool.Return(Session);
    }
}
