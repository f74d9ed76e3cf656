using MiniKube.Api;
using MiniKube.Scheduler.Config;
using MiniKube.Scheduler.Framework;
using MiniKube.Scheduler.Plugins;
using MiniKube.Testing;

namespace MiniKube.Scheduler.Tests;

public sealed class ImageLocalityTests
{
    private const long Mb = 1024 * 1024;

    private static Node WithImages(string name, params (string Name, long Size)[] images)
    {
        var node = TestObjects.Node(name);
        return node with
        {
            Status = node.Status! with { Images = images.Select(i => new ContainerImage { Names = [i.Name], SizeBytes = i.Size }).ToList() },
        };
    }

    private static Pod Running(params string[] images) =>
        TestObjects.PodRequesting("p", spec: new PodSpec { Containers = images.Select(i => new Container { Name = i.Replace(':', '-').Replace('/', '-'), Image = i }).ToList() });

    [Fact]
    public void Image_size_is_weighted_by_how_widely_the_image_is_spread()
    {
        var nodes = new[]
        {
            Make.Info(WithImages("has", ("registry.local/app:1", 500 * Mb))),
            Make.Info(WithImages("also", ("registry.local/app:1", 500 * Mb))),
            Make.Info(WithImages("none")),
            Make.Info(WithImages("none2")),
        };
        var (raw, _) = Run.Score(new ImageLocality(), Running("registry.local/app:1"), nodes);
        // 500 MB × 2/4 = 250 MB → 100 × (250 − 23) / (1000 − 23) = 23; nodes without it get 0.
        Assert.Equal([23L, 23L, 0L, 0L], raw);
    }

    [Fact]
    public void Untagged_names_mean_latest_and_small_images_score_nothing()
    {
        var nodes = new[] { Make.Info(WithImages("n1", ("busybox:latest", 2000 * Mb), ("tiny:1", 10 * Mb), ("mid:1", 1000 * Mb))) };
        Assert.Equal(100, Run.Score(new ImageLocality(), Running("busybox"), nodes).Raw[0]);
        Assert.Equal(0, Run.Score(new ImageLocality(), Running("tiny:1"), nodes).Raw[0]);
        // Two containers raise the ceiling to 2000 MB: 100 × (1000 − 23) / (2000 − 23) = 49.
        Assert.Equal(49, Run.Score(new ImageLocality(), Running("mid:1", "absent:2"), nodes).Raw[0]);
    }

    [Fact]
    public void The_cache_counts_nodes_per_image_as_nodes_change()
    {
        var cache = new SchedulerCache();
        cache.AddNode(WithImages("a", ("app:1", Mb)));
        cache.AddNode(WithImages("b", ("app:1", Mb)));
        var snapshot = cache.Snapshot();
        Assert.Equal(2, snapshot.NodesWithImage("app:1"));
        cache.UpdateNode(WithImages("b", ("app:2", Mb)));
        cache.RemoveNode("a");
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(0, snapshot.NodesWithImage("app:1"));
        Assert.Equal(1, snapshot.NodesWithImage("app:2"));
    }

    [Fact]
    public void It_is_off_by_default_and_can_be_enabled()
    {
        Assert.DoesNotContain(SchedulerConfiguration.Default.BuildProfiles()[0].ScorePlugins, s => s.Plugin.Name == "ImageLocality");
        var profile = SchedulerConfigLoader.Parse("""
            profiles:
            - plugins:
                score:
                  enabled:
                  - name: ImageLocality
                    weight: 1
            """).BuildProfiles()[0];
        Assert.Contains(profile.ScorePlugins, s => s.Plugin.Name == "ImageLocality" && s.Weight == 1);
    }
}
