using MiniKube.Api;

namespace MiniKube.Api.Tests;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("web", true)]
    [InlineData("web-1", true)]
    [InlineData("1web", true)]
    [InlineData("a.b.c", true)]
    [InlineData("Web", false)]
    [InlineData("-web", false)]
    [InlineData("web-", false)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a_b", false)]
    [InlineData("", false)]
    public void Dns1123_subdomain(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsDns1123Subdomain(value).Count == 0);
    }

    [Fact]
    public void Dns1123_lengths()
    {
        Assert.Empty(NameRules.IsDns1123Subdomain(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253]));
        Assert.Equal(["must be no more than 253 characters"], NameRules.IsDns1123Subdomain(new string('a', 254)));
        Assert.Empty(NameRules.IsDns1123Label(new string('a', 63)));
        Assert.Equal(["must be no more than 63 characters"], NameRules.IsDns1123Label(new string('a', 64)));
    }

    [Theory]
    [InlineData("web", true)]
    [InlineData("a.b", false)]
    [InlineData("A", false)]
    [InlineData("a-", false)]
    public void Dns1123_label(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsDns1123Label(value).Count == 0);
    }

    [Theory]
    [InlineData("app", null)]
    [InlineData("App_Name.v1", null)]
    [InlineData("example.com/app", null)]
    [InlineData("bad key!", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")]
    [InlineData("/app", "prefix part must be non-empty")]
    [InlineData("example.com/", "name part must be non-empty")]
    [InlineData("Example.com/app", "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")]
    [InlineData("a/b/c", "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/'")]
    public void Qualified_name(string value, string? error)
    {
        var errors = NameRules.IsQualifiedName(value);
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal([error], errors);
        }
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_x-Y", true)]
    [InlineData("-x", false)]
    [InlineData("x y", false)]
    public void Label_value(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsValidLabelValue(value).Count == 0);
    }

    [Theory]
    [InlineData("http", null)]
    [InlineData("web-8080", null)]
    [InlineData("a-very-long-name", "must be no more than 15 characters")]
    [InlineData("HTTP", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")]
    [InlineData("web--x", "must not contain consecutive hyphens")]
    [InlineData("8080", "must contain at least one letter (a-z)")]
    [InlineData("-web", "must not begin or end with a hyphen")]
    public void Port_name(string value, string? error)
    {
        var errors = NameRules.IsValidPortName(value);
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(error, errors);
        }
    }

    [Theory]
    [InlineData("PATH", true)]
    [InlineData("my.var-1_x", true)]
    [InlineData("_X", true)]
    [InlineData("1X", false)]
    [InlineData("A B", false)]
    [InlineData("", false)]
    public void Env_var_name(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsEnvVarName(value).Count == 0);
    }

    [Theory]
    [InlineData("config.yaml", true)]
    [InlineData("A_b-1", true)]
    [InlineData("a/b", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("..x", false)]
    [InlineData("", false)]
    public void Config_map_key(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsConfigMapKey(value).Count == 0);
    }

    [Theory]
    [InlineData("10.96.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("256.1.1.1", false)]
    [InlineData("10.96.0", false)]
    [InlineData("10.96.0.1.2", false)]
    [InlineData("010.1.1.1", false)]
    [InlineData("1..1.1", false)]
    [InlineData("a.b.c.d", false)]
    [InlineData("1234.1.1.1", false)]
    [InlineData("", false)]
    public void IPv4(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsIPv4(value));
    }

    [Theory]
    [InlineData("fd00::1", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("host.local", false)]
    public void IP(string value, bool valid)
    {
        Assert.Equal(valid, NameRules.IsIP(value));
    }
}
