using System.Net;
using System.Net.Sockets;

namespace FaceApi.Tests.Metrics;

/// <summary>Free TCP ports on 127.0.0.1, chosen by the operating system.</summary>
public static class LoopbackPort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
