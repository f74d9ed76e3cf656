namespace MiniKube.Api.Tests;

public sealed class YamlTests
{
    private static ConfigMap DecodeConfigMap(string data) =>
        Assert.IsType<ConfigMap>(Assert.Single(KubeSerializer.DecodeManifests("apiVersion: v1\nkind: ConfigMap\ndata:\n" + data)));

    [Theory]
    [InlineData("true")]
    [InlineData("123")]
    [InlineData("1.5")]
    [InlineData("null")]
    [InlineData("yes")]
    [InlineData("0755")]
    [InlineData("1e3")]
    [InlineData("")]
    [InlineData("- item")]
    [InlineData("a: b")]
    [InlineData("#comment")]
    [InlineData("*alias")]
    [InlineData("'quoted' start")]
    [InlineData(" padded")]
    [InlineData("tab\there")]
    [InlineData("{json}")]
    [InlineData("@at")]
    [InlineData("trailing:")]
    public void Strings_that_would_read_as_something_else_are_quoted_and_survive(string value)
    {
        var cm = new ConfigMap { Metadata = new ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["k"] = value } };

        var yaml = KubeSerializer.ToYaml(cm);
        var line = yaml.Split('\n').Single(l => l.StartsWith("  k:", StringComparison.Ordinal));

        Assert.Matches("^  k: [\"']", line);
        Assert.Equal(value, DecodeConfigMap(yaml[yaml.IndexOf("  k:", StringComparison.Ordinal)..]).Data!["k"]);
    }

    [Theory]
    [InlineData("nginx:1.14.2")]
    [InlineData("--port=80")]
    [InlineData("10.96.0.1")]
    [InlineData("app.kubernetes.io/name")]
    [InlineData("hello world")]
    [InlineData("it's")]
    [InlineData("https://example.com/a?b=c")]
    public void Ordinary_strings_stay_plain(string value)
    {
        var cm = new ConfigMap { Data = new Dictionary<string, string> { ["k"] = value } };

        Assert.Contains("\n  k: " + value + "\n", KubeSerializer.ToYaml(cm));
    }

    [Fact]
    public void Multiline_strings_use_literal_blocks()
    {
        var cm = new ConfigMap { Data = new Dictionary<string, string> { ["a"] = "x\ny\n", ["b"] = "x\n  indented\ny" } };

        var yaml = KubeSerializer.ToYaml(cm);

        Assert.Contains("  a: |\n    x\n    y\n", yaml);
        Assert.Contains("  b: |-\n    x\n      indented\n    y\n", yaml);
        var back = DecodeConfigMap(yaml[yaml.IndexOf("  a:", StringComparison.Ordinal)..]);
        Assert.Equal("x\ny\n", back.Data!["a"]);
        Assert.Equal("x\n  indented\ny", back.Data["b"]);
    }

    [Fact]
    public void Control_characters_use_double_quotes()
    {
        var cm = new ConfigMap { Data = new Dictionary<string, string> { ["k"] = "bell\a\r\nend  " } };

        var yaml = KubeSerializer.ToYaml(cm);

        Assert.Contains("k: \"bell\\u0007\\r\\nend  \"", yaml);
        Assert.Equal("bell\a\r\nend  ", DecodeConfigMap(yaml[yaml.IndexOf("  k:", StringComparison.Ordinal)..]).Data!["k"]);
    }

    [Fact]
    public void Output_is_kubectl_style()
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new PodSpec
            {
                Containers =
                [
                    new Container
                    {
                        Name = "c",
                        Image = "nginx",
                        Args = ["a", "b"],
                        Ports = [new ContainerPortSpec { ContainerPort = 80 }],
                        Env = [],
                    },
                ],
            },
        };

        var yaml = KubeSerializer.ToYaml(pod);

        Assert.Equal("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels:
                app: web
            spec:
              containers:
              - name: c
                image: nginx
                args:
                - a
                - b
                ports:
                - containerPort: 80
                env: []

            """.Replace("\r\n", "\n", StringComparison.Ordinal), yaml);
    }

    [Fact]
    public void Core_schema_typing_of_plain_scalars()
    {
        var pod = Assert.IsType<Pod>(Assert.Single(KubeSerializer.DecodeManifests("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              hostNetwork: True
              enableServiceLinks: FALSE
              terminationGracePeriodSeconds: +30
              activeDeadlineSeconds: 0x10
              priority: 0o17
              hostname: "true"
              subdomain: !!str 123
              containers:
              - name: c
                resources:
                  requests:
                    cpu: .5
                    memory: 1e3
            """)));

        var spec = pod.Spec!;
        Assert.True(spec.HostNetwork);
        Assert.False(spec.EnableServiceLinks);
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.Equal(16, spec.ActiveDeadlineSeconds);
        Assert.Equal(15, spec.Priority);
        Assert.Equal("true", spec.Hostname);
        Assert.Equal("123", spec.Subdomain);
        Assert.Equal(500, spec.Containers[0].Resources!.Requests!["cpu"].MilliValue);
        Assert.Equal(1000, spec.Containers[0].Resources!.Requests!["memory"].Value);
    }

    [Fact]
    public void Yes_is_a_string_not_a_boolean()
    {
        var ex = Assert.Throws<DecodeException>(() => KubeSerializer.DecodeManifests("apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: yes\n"));

        Assert.Equal("spec.hostNetwork: invalid type: expected boolean, got string", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys()
    {
        var objects = KubeSerializer.DecodeManifests("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
              labels: &common
                team: a
                tier: web
              annotations:
                <<: *common
                tier: overridden
            data:
              copy: &v hello
              again: *v
            """);

        var cm = Assert.IsType<ConfigMap>(Assert.Single(objects));
        Assert.Equal("a", cm.Metadata.Annotations!["team"]);
        Assert.Equal("overridden", cm.Metadata.Annotations["tier"]);
        Assert.Equal("hello", cm.Data!["again"]);
    }

    [Fact]
    public void Empty_input_gives_no_objects()
    {
        Assert.Empty(KubeSerializer.DecodeManifests(""));
        Assert.Empty(KubeSerializer.DecodeManifests("---\n# nothing\n---\n"));
    }

    [Fact]
    public void FromYaml_reads_a_config_document_strictly()
    {
        var probe = KubeSerializer.FromYaml<Probe>("httpGet:\n  path: /\n  port: 80\nperiodSeconds: 5\n");

        Assert.Equal(5, probe.PeriodSeconds);
        Assert.Throws<DecodeException>(() => KubeSerializer.FromYaml<Probe>("periodSecond: 5\n"));
    }
}

public sealed class YamlAliasLimitTests
{
    /// <summary>The classic "billion laughs": 9 levels of 10 aliases each, about 400 bytes that expand to 10^9 strings.</summary>
    internal static string BillionLaughs()
    {
        var sb = new System.Text.StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var prev = (char)(level - 1);
            sb.Append(level).Append(": &").Append(level).Append(" [").Append(string.Join(",", Enumerable.Repeat("*" + prev, 9))).Append("]\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void A_billion_laughs_document_is_refused_quickly_with_bounded_memory()
    {
        var yaml = BillionLaughs();
        Assert.True(yaml.Length < 600, $"{yaml.Length} bytes");
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.Throws<DecodeException>(() => KubeSerializer.DecodeManifests(yaml));

        clock.Stop();
        var grown = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Contains("document contains excessive aliasing", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.True(grown < 50 * 1024 * 1024, $"allocated {grown:N0} bytes");
    }

    [Fact]
    public void Ordinary_anchors_and_merges_still_work()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: &l {app: web, tier: front}\n  annotations:\n    <<: *l\n    extra: x\n";

        var cm = Assert.IsType<ConfigMap>(Assert.Single(KubeSerializer.DecodeManifests(yaml)));

        Assert.Equal("web", cm.Metadata.Labels!["app"]);
        Assert.Equal(["app", "extra", "tier"], cm.Metadata.Annotations!.Keys.Order(StringComparer.Ordinal));
    }
}
