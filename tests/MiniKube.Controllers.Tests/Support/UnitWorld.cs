using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers;

namespace MiniKube.Controllers.Tests.Support;

/// <summary>
/// A controller's world without a server: informer caches seeded by hand (the informers are never started), a
/// <see cref="FakeControllerClient"/> that records the calls, collected events and a fake clock.
/// </summary>
internal sealed class UnitWorld : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = WorkloadObjects.Start;

    private readonly MiniKubeClient _unused = new("http://127.0.0.1:9");

    public UnitWorld()
        : this(new FakeTimeProvider(Start))
    {
    }

    /// <summary>A world on <paramref name="time"/> (for example a <c>TimerClock</c>, to wait for a controller's requeue timers).</summary>
    public UnitWorld(FakeTimeProvider time)
    {
        Time = time;
        Informers = new InformerFactory(_unused, Time);
        Context = new ControllerContext(Informers, Client, _ => Events, Time);
        // As if the node and lease watches had followed the server for long: silence is judged by the seeded heartbeats.
        Informers.For<Node>().SetWatchingForTest(Start.AddDays(-1));
        Informers.For<Lease>().SetWatchingForTest(Start.AddDays(-1));
    }

    public FakeTimeProvider Time { get; }

    public FakeControllerClient Client { get; } = new();

    public FakeEvents Events { get; } = new();

    public InformerFactory Informers { get; }

    public ControllerContext Context { get; }

    /// <summary>Puts objects into their kind's informer cache (and into the fake API, for uncached reads).</summary>
    public void Seed(params KubeObject[] objects)
    {
        foreach (var obj in objects)
        {
            switch (obj)
            {
                case Pod p: Informers.For<Pod>().Cache.Upsert(p); break;
                case ReplicaSet rs: Informers.For<ReplicaSet>().Cache.Upsert(rs); break;
                case Deployment d: Informers.For<Deployment>().Cache.Upsert(d); break;
                case Node n: Informers.For<Node>().Cache.Upsert(n); break;
                case Lease l: Informers.For<Lease>().Cache.Upsert(l); break;
                case Namespace ns: Informers.For<Namespace>().Cache.Upsert(ns); break;
                case ConfigMap cm: Informers.For<ConfigMap>().Cache.Upsert(cm); break;
                case Secret s: Informers.For<Secret>().Cache.Upsert(s); break;
                case ServiceAccount sa: Informers.For<ServiceAccount>().Cache.Upsert(sa); break;
                case HorizontalPodAutoscaler h: Informers.For<HorizontalPodAutoscaler>().Cache.Upsert(h); break;
                case VerticalPodAutoscaler v: Informers.For<VerticalPodAutoscaler>().Cache.Upsert(v); break;
                default: throw new ArgumentException($"no seeding for {obj.GetType().Name}");
            }
            Client.Seed(obj);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Informers.DisposeAsync();
        _unused.Dispose();
    }
}
