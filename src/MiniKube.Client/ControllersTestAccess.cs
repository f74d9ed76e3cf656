using System.Runtime.CompilerServices;

// The controller unit tests seed informer caches directly (InformerCache.Upsert) instead of running a server.
[assembly: InternalsVisibleTo("MiniKube.Controllers.Tests")]
