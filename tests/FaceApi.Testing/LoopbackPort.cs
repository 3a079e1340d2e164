using System.Net;
using System.Net.Sockets;

namespace FaceApi.Testing;

/// <summary>TCP ports on 127.0.0.1, chosen by the operating system.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port on 127.0.0.1 that the OS reports free now; nothing listens on it when this returns.
    /// It is released before the caller binds it, so another process could take it first; the
    /// ephemeral range is large enough for that to be rare, and the caller then fails to start
    /// with a clear error rather than silently.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
