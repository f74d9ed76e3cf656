using Docker.DotNet.Models;
using MiniKube.Kubelet;

namespace MiniKube.Kubelet.Tests;

public sealed class PrivilegedModeTests
{
    [Fact]
    public void Missing_capabilities_are_the_kernel_ones_the_bounding_set_lacks()
    {
        // This machine's set: everything up to CHECKPOINT_RESTORE (40) except SYS_RESOURCE (24).
        Assert.Equal(["SYS_RESOURCE"], PrivilegedMode.MissingCapabilities("Name:\tx\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n", "40\n"));
        Assert.Empty(PrivilegedMode.MissingCapabilities("CapBnd:\t000001ffffffffff\n", "40"));
        // An older kernel knows fewer capabilities: the ones it does not have are not missing.
        Assert.Empty(PrivilegedMode.MissingCapabilities("CapBnd:\t0000003fffffffff\n", "37"));
        Assert.Empty(PrivilegedMode.MissingCapabilities(null, "40"));
    }

    [Fact]
    public void Privileged_is_Docker_flag_when_nothing_is_missing_and_every_capability_it_can_have_otherwise()
    {
        var full = new HostConfig();
        PrivilegedMode.Apply(full, []);
        var partial = new HostConfig();
        PrivilegedMode.Apply(partial, ["SYS_RESOURCE"]);

        Assert.True(full.Privileged);
        Assert.Null(full.CapAdd);
        Assert.False(partial.Privileged);
        Assert.Equal(["ALL"], partial.CapAdd);
        Assert.Equal(["SYS_RESOURCE"], partial.CapDrop);
        Assert.Contains("seccomp=unconfined", partial.SecurityOpt);
        Assert.Empty(partial.MaskedPaths);
    }
}
