using System.IO.Pipelines;
using FaceApi.Core.Batching;
using FaceApi.Errors;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;
using FaceApi.Uploads;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Bodies are read into 64 KiB chunks as they arrive and handed out as one array: the same bytes
/// whatever their length and however they arrive, with the budget holding exactly that array while
/// the body is served and nothing once it is given back, or when a read fails any way, and every chunk
/// not handed out as the body back for reuse. Nothing is held before a body's bytes arrive, a body
/// announced shorter than a chunk holds its own length, and the peak the start-up validation relies
/// on is exact.
/// </summary>
// Refusals count in the process-wide faceapi_rejections_total, which BodyBudgetTests compares.
[Collection(MetricsCollection.Name)]
public sealed class PooledStreamReaderTests
{
    private const int Chunk = PooledStreamReader.ChunkSize;

    // 0, 1, 100, 40,000 (rounded up to a chunk), exactly one chunk, one past it, many chunks (pooled
    // final array: at most 1 MiB), and more than 1 MiB (a plain final array).
    public static TheoryData<int, bool, int> Bodies => new()
    {
        { 0, true, int.MaxValue }, { 0, false, int.MaxValue },
        { 1, true, int.MaxValue }, { 1, false, int.MaxValue },
        { 100, true, int.MaxValue }, { 40_000, true, int.MaxValue },
        { Chunk, true, int.MaxValue }, { Chunk, false, int.MaxValue },
        { Chunk + 1, true, int.MaxValue }, { Chunk + 1, false, int.MaxValue },
        { (5 * Chunk) + 123, true, int.MaxValue }, { (5 * Chunk) + 123, false, int.MaxValue },
        { (3 << 20) + 7, true, int.MaxValue }, { (3 << 20) + 7, false, int.MaxValue },
        // Arriving in reads of 1,000 bytes, which end inside chunks, as a network delivers them.
        { (5 * Chunk) + 123, true, 1000 }, { Chunk, false, 1000 }, { Chunk + 1, false, 1000 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_body_is_read_whole_into_one_array_that_the_budget_holds_until_it_is_given_back(int length, bool withContentLength, int largestRead)
    {
        var sent = RandomBytes(length);
        using var budget = BodyBudgets.Of(1L << 30);
        var reservation = budget.Open();

        var (buffer, read) = await ReadAsync(new TricklingStream(sent, largestRead), limit: 8 << 20, withContentLength ? length : null, reservation);

        Assert.Equal(length, read);
        Assert.True(sent.AsSpan().SequenceEqual(buffer.AsSpan(0, read)), "the body's bytes differ from those sent");
        // An empty body is no array. One within a chunk is read into one buffer: of its own length (as
        // UploadBuffers rounds it) when Content-Length announces it, else a chunk. A larger one is one
        // array of its length.
        var expectedArray = length == 0 ? 0 : withContentLength || length > Chunk ? UploadBuffers.LengthOf(length) : Chunk;
        Assert.Equal(expectedArray, buffer.Length);
        Assert.Equal(buffer.Length, budget.ReservedBytes);
        // Every chunk but the one handed out as the body is back (without Content-Length, the read that
        // finds the end needs a chunk of its own when the body is empty or ends at a chunk's end).
        var chunksRented = withContentLength
            ? UploadBuffers.LengthOf(Math.Max(length, 1)) < Chunk ? 0 : (length + Chunk - 1) / Chunk
            : (length / Chunk) + 1;
        Assert.Equal(chunksRented - (buffer.Length == Chunk ? 1 : 0), budget.Spares.CountOf(Chunk));

        reservation.Return(buffer);
        reservation.Dispose();
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_holds_nothing_until_its_first_bytes_arrive(bool withContentLength)
    {
        const int Length = 100;
        using var budget = BodyBudgets.Of(1L << 30);
        using var reservation = budget.Open();
        var pipe = new Pipe();

        // Headers received, no byte of the body yet: the read waits without a buffer (a zero-byte read,
        // which PipeReader streams, Kestrel's and TestServer's request bodies support).
        var reading = ReadAsync(pipe.Reader.AsStream(), limit: 8 << 20, withContentLength ? Length : null, reservation);
        Assert.False(reading.IsCompleted);
        Assert.Equal(0, budget.ReservedBytes);
        Assert.Equal(0, budget.Spares.CountOf(Chunk));

        await pipe.Writer.WriteAsync(RandomBytes(Length), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var (buffer, read) = await reading;

        // Announced, the body costs its length rounded up as UploadBuffers rounds it; unannounced, a chunk.
        Assert.Equal(Length, read);
        Assert.Equal(withContentLength ? UploadBuffers.LengthOf(Length) : Chunk, buffer.Length);
        Assert.Equal(buffer.Length, budget.ReservedBytes);
        reservation.Return(buffer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_limit_is_refused_and_gives_back_what_it_held(bool withContentLength)
    {
        const int Limit = (3 * Chunk) + 10;
        using var budget = BodyBudgets.Of(1L << 30);
        using var reservation = budget.Open();

        var refusal = await Assert.ThrowsAsync<ApiProblemException>(() =>
            ReadAsync(new TricklingStream(RandomBytes(Limit + 1), 1000), Limit, withContentLength ? Limit + 1 : null, reservation));

        Assert.Equal(413, refusal.Status);
        Assert.Equal(4, budget.Spares.CountOf(Chunk));
        reservation.Dispose();
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Fact]
    public async Task A_body_that_ends_before_its_content_length_is_a_client_error_and_gives_back_what_it_held()
    {
        using var budget = BodyBudgets.Of(1L << 30);
        using var reservation = budget.Open();

        var refusal = await Assert.ThrowsAsync<ApiProblemException>(() =>
            ReadAsync(new TricklingStream(RandomBytes(2 * Chunk), 1000), limit: 8 << 20, expectedLength: (3 * Chunk) + 5, reservation));

        Assert.Equal(400, refusal.Status);
        Assert.Contains($"ended after {2 * Chunk} of the {(3 * Chunk) + 5} bytes", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(3, budget.Spares.CountOf(Chunk));
        reservation.Dispose();
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Theory]
    // No room for the fourth chunk while the body arrives.
    [InlineData(3 * Chunk, 3)]
    // Room for every chunk, but not for the array they are copied into beside them.
    [InlineData(5 * Chunk, 5)]
    public async Task A_body_the_budget_cannot_hold_is_refused_and_gives_back_what_it_held(long budgetBytes, int chunksRented)
    {
        using var budget = BodyBudgets.Of(budgetBytes);
        using var reservation = budget.Open();
        var length = (5 * Chunk) - 1;

        await Assert.ThrowsAsync<QueueFullException>(() =>
            ReadAsync(new TricklingStream(RandomBytes(length), int.MaxValue), limit: 8 << 20, length, reservation));

        Assert.Equal(chunksRented, budget.Spares.CountOf(Chunk));
        reservation.Dispose();
        Assert.Equal(0, budget.ReservedBytes);
    }

    [Theory]
    // Without Content-Length a body at the limit is read into room for one byte more, which is what
    // PeakBytes, and so the start-up validation, assume: within a buffer of its own, at a chunk's end,
    // inside a chunk, and with a plain (unpooled) final array.
    [InlineData(100, false)]
    [InlineData(5 * Chunk, false)]
    [InlineData((5 * Chunk) + 123, false)]
    [InlineData((3 << 20) + 7, false)]
    // Announced, a body inside a chunk or a buffer of its own holds as much.
    [InlineData(100, true)]
    [InlineData((5 * Chunk) + 123, true)]
    public async Task A_budget_of_the_peak_of_a_body_at_the_limit_holds_it_and_one_byte_less_does_not(int limit, bool withContentLength)
    {
        var body = RandomBytes(limit);
        var peak = PooledStreamReader.PeakBytes(limit);
        using (var budget = BodyBudgets.Of(peak))
        {
            using var reservation = budget.Open();
            var (buffer, read) = await ReadAsync(new TricklingStream(body, 1000), limit, withContentLength ? limit : null, reservation);
            Assert.Equal(limit, read);
            reservation.Return(buffer);
        }

        using (var budget = BodyBudgets.Of(peak - 1))
        {
            using var reservation = budget.Open();
            await Assert.ThrowsAsync<QueueFullException>(() =>
                ReadAsync(new TricklingStream(body, 1000), limit, withContentLength ? limit : null, reservation));
            Assert.Equal(0, budget.ReservedBytes);
        }
    }

    private static Task<(byte[] Buffer, int Length)> ReadAsync(Stream stream, long limit, long? expectedLength, BufferedBodyReservation reservation) =>
        PooledStreamReader.ReadAsync(stream, limit, expectedLength, reservation, () => UploadProblems.BodyTooLarge(limit), TestContext.Current.CancellationToken);


    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A body that arrives in reads of at most <paramref name="largestRead"/> bytes.</summary>
    private sealed class TricklingStream(byte[] body, int largestRead) : MemoryStream(body, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, largestRead)], cancellationToken);
    }
}
