using SharpServing.Engine.Configuration;
using SharpServing.Engine.Reload;

namespace SharpServing.Engine.Tests.Reload;

public sealed class ReloadConfigurationTests
{
    private static readonly string s_base = Path.GetTempPath();

    [Fact]
    public void Defaults_watch_with_a_one_second_quiet_period_a_ten_second_rescan_the_latest_version_and_warm_up()
    {
        var configuration = new ServingConfiguration();

        Assert.True(configuration.Watch);
        Assert.Equal(TimeSpan.FromSeconds(1), configuration.WatchDebounce);
        Assert.Equal(TimeSpan.FromSeconds(10), configuration.RescanInterval);
        Assert.Equal(VersionPolicy.Default, configuration.VersionPolicy);
        Assert.True(configuration.WarmUp);
        Assert.Equal(VersionPolicy.Default, configuration.PolicyFor("any"));
    }

    [Fact]
    public void The_JSON_file_sets_watching_the_quiet_period_the_rescan_warm_up_and_version_policies()
    {
        var configuration = ServingConfiguration.Parse("""
            {
              "servables_root": "servables",
              "watch": false,
              "watch_debounce_ms": 250,
              "rescan_interval_ms": 2000,
              "warm_up": false,
              "version_policy": "latest:2",
              "version_policies": { "add": "all", "ocr": "specific:1,3" }
            }
            """, s_base);

        Assert.False(configuration.Watch);
        Assert.Equal(TimeSpan.FromMilliseconds(250), configuration.WatchDebounce);
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.RescanInterval);
        Assert.False(configuration.WarmUp);
        Assert.Equal("latest:2", configuration.VersionPolicy.ToString());
        Assert.Equal("all", configuration.PolicyFor("add").ToString());
        Assert.Equal("specific:1,3", configuration.PolicyFor("ocr").ToString());
        Assert.Equal("latest:2", configuration.PolicyFor("vad").ToString());
    }

    [Theory]
    [InlineData("""{ "servables_root": "s", "watch": 1 }""", "watch", "should be true or false")]
    [InlineData("""{ "servables_root": "s", "watch_debounce_ms": 60001 }""", "watch_debounce_ms", "[0,60000]")]
    [InlineData("""{ "servables_root": "s", "watch_debounce_ms": -1 }""", "watch_debounce_ms", "[0,60000]")]
    [InlineData("""{ "servables_root": "s", "rescan_interval_ms": 50 }""", "rescan_interval_ms", "[100,3600000]")]
    [InlineData("""{ "servables_root": "s", "version_policy": "newest" }""", "version_policy", "expected 'latest'")]
    [InlineData("""{ "servables_root": "s", "version_policies": { "add": "latest:0" } }""", "version_policies.add", "latest:0")]
    [InlineData("""{ "servables_root": "s", "version_policies": ["all"] }""", "version_policies", "should be an object")]
    public void Bad_reload_settings_fail_naming_the_setting(string json, string setting, string detail)
    {
        var error = Assert.Throws<ServingConfigurationException>(() => ServingConfiguration.Parse(json, s_base));

        Assert.Contains(setting, error.Message);
        Assert.Contains(detail, error.Message);
    }
}
