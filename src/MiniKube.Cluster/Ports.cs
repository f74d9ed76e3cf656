using System.Net;
using System.Net.Sockets;

namespace MiniKube.Cluster;

/// <summary>
/// Loopback ports for the cluster. New ones are drawn from 20000–29999, below the kernel's ephemeral range (32768+,
/// where outgoing connections could take them before a restart) and the NodePort range (30000–32767).
/// </summary>
public static class Ports
{
    private const int First = 20000;
    private const int Last = 29999;

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A free port that is not in <paramref name="taken"/>; adds it there.</summary>
    public static int Pick(ISet<int> taken)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            if (!taken.Contains(port) && IsFree(port))
            {
                taken.Add(port);
                return port;
            }
        }
        throw new ClusterException($"no free loopback port found in {First}-{Last}");
    }
}
