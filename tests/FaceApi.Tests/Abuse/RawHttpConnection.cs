using System.Net.Sockets;
using System.Text;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// One TCP connection to the service on which a test writes HTTP/1.1 by hand: what HttpClient will
/// not do (stop mid-body, lie in Content-Length, reset the connection).
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> OpenAsync(Uri service)
    {
        var client = new TcpClient();
        await client.ConnectAsync(service.Host, service.Port, TestContext.Current.CancellationToken);
        return new RawHttpConnection(client);
    }

    /// <summary>Writes a POST's request line and headers; with <paramref name="expectContinue"/>, asks for <c>100 Continue</c> (RFC 9110 §10.1.1).</summary>
    public Task SendHeadAsync(string path, string contentType, long contentLength, bool expectContinue = false) =>
        SendAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n" +
            (expectContinue ? "Expect: 100-continue\r\n" : "") + "\r\n"));

    /// <summary>
    /// Reads the head of the first answer, byte by byte so that nothing after it is consumed. After a
    /// head sent with <c>Expect: 100-continue</c>, Kestrel answers <c>100 Continue</c> when the
    /// application first reads the body: the sign that the request is waiting for its body.
    /// </summary>
    public async Task<string> ReadHeadAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        var received = new List<byte>();
        var one = new byte[1];
        while (received is not [.., (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n'])
        {
            if (await _stream.ReadAsync(one, deadline.Token) == 0)
            {
                break;
            }

            received.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. received]);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _stream.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Reads the answer's status line and headers and returns the status code (0 if the server closed first).</summary>
    public async Task<(int Status, string Head, string Body)> ReadResponseAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, deadline.Token);
                if (read == 0)
                {
                    break;
                }

                received.AddRange(buffer.AsSpan(0, read));
                var text = Encoding.ASCII.GetString([.. received]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 && IsComplete(text[..end], text[(end + 4)..]))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // A reset after the answer was written still leaves the answer in what was received.
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // No (complete) answer within the timeout: return what there is.
        }

        var all = Encoding.ASCII.GetString([.. received]);
        var split = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return (0, all, "");
        }

        var statusLine = all[..all.IndexOf("\r\n", StringComparison.Ordinal)];
        return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), all[..split], all[(split + 4)..]);
    }

    /// <summary>Closes the connection with a TCP reset (SO_LINGER 0) instead of an orderly close.</summary>
    public void Reset()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    /// <summary>Ends the request side (FIN) while still able to read the answer.</summary>
    public void EndSending() => _client.Client.Shutdown(SocketShutdown.Send);

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }

    // The body is complete at its Content-Length, or, chunked, at the last chunk (RFC 9112 §7.1). The
    // body is returned as received, chunk sizes included: tests look for text in it.
    private static bool IsComplete(string head, string body)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return body.Length >= int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                return body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
            }
        }

        return false;
    }
}
