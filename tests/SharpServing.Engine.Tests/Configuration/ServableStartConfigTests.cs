using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

public sealed class ServableStartConfigTests
{
    private static ServableStartConfig Config() => new("servables", "add");

    private static string Error(Action set) => Assert.ThrowsAny<ArgumentException>(set).Message;

    [Fact]
    public void Defaults_match_mindspore_serving()
    {
        var config = Config();

        Assert.Equal("servables", config.ServableDirectory);
        Assert.Equal("add", config.ServableName);
        Assert.Equal(0, config.VersionNumber);
        Assert.Null(config.DeviceType);
        Assert.Empty(config.DeviceIds);
        Assert.Equal(0, config.NumParallelWorkers);
        Assert.Null(config.DecKey);
        Assert.Equal(ModelEncryptionMode.AesGcm, config.DecMode);
    }

    [Fact]
    public void Empty_directory_and_name_are_rejected()
    {
        Assert.Equal("Parameter 'servable_directory' should not be empty str", Error(() => _ = new ServableStartConfig("", "add")));
        Assert.Equal("Parameter 'servable_name' should not be empty str", Error(() => _ = new ServableStartConfig("servables", "")));
        Assert.Equal("Parameter 'servable_name' should be a folder name, but actually 'a/b'", Error(() => _ = new ServableStartConfig("servables", "a/b")));
        Assert.Equal("Parameter 'servable_name' should be a folder name, but actually '..'", Error(() => _ = new ServableStartConfig("servables", "..")));
    }

    [Fact]
    public void A_negative_version_is_rejected()
    {
        Assert.Equal("Parameter 'version_number' should be >= 0, but actually -1", Error(() => Config().VersionNumber = -1));
        Assert.Equal(7, new ServableStartConfig("s", "a") { VersionNumber = 7 }.VersionNumber);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("cpu", "CPU")]
    [InlineData("Gpu", "GPU")]
    [InlineData("ASCEND", "Ascend")]
    public void Device_types_are_case_insensitive(string? given, string? stored)
        => Assert.Equal(stored, new ServableStartConfig("s", "a") { DeviceType = given }.DeviceType);

    [Theory]
    [InlineData("TPU")]
    [InlineData("")]
    [InlineData("None")]
    public void An_unknown_device_type_is_rejected_with_the_spec_text(string given)
        => Assert.Equal($"Unsupported device type '{given}', only support 'Ascend', 'GPU', 'CPU' and None, case ignored", Error(() => Config().DeviceType = given));

    [Fact]
    public void Device_ids_must_be_non_negative_and_distinct()
    {
        Assert.Equal("The item value '-1' in parameter 'device_ids' should be >= 0", Error(() => Config().DeviceIds = [0, -1]));
        Assert.Equal("The item value '1' in parameter 'device_ids' is repeated", Error(() => Config().DeviceIds = [1, 2, 1]));
        Assert.Equal([3, 1], new ServableStartConfig("s", "a") { DeviceIds = [3, 1] }.DeviceIds);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65)]
    public void Parallel_workers_outside_0_to_64_are_rejected(int workers)
        => Assert.Equal("Parameter 'num_parallel_workers' should be in range [0,64]", Error(() => Config().NumParallelWorkers = workers));

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    public void Parallel_workers_at_the_limits_are_accepted(int workers)
        => Assert.Equal(workers, new ServableStartConfig("s", "a") { NumParallelWorkers = workers }.NumParallelWorkers);

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(33)]
    public void A_key_that_is_not_16_24_or_32_bytes_is_rejected(int length)
        => Assert.Equal($"Parameter 'dec_key' should be 16, 24 or 32 bytes, but actually {length} bytes", Error(() => Config().DecKey = new byte[length]));

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Keys_of_16_24_and_32_bytes_are_accepted(int length)
        => Assert.Equal(length, new ServableStartConfig("s", "a") { DecKey = new byte[length] }.DecKey!.Length);

    [Fact]
    public void Dec_mode_text_is_AES_GCM_or_AES_CBC_case_ignored()
    {
        Assert.Equal(ModelEncryptionMode.AesGcm, ServableStartConfig.ParseDecMode("AES-GCM"));
        Assert.Equal(ModelEncryptionMode.AesCbc, ServableStartConfig.ParseDecMode("aes-cbc"));
        Assert.Equal("Parameter 'dec_mode' should be 'AES-GCM' or 'AES-CBC', but actually 'AES-XTS'", Error(() => ServableStartConfig.ParseDecMode("AES-XTS")));
        Assert.Equal("Parameter 'dec_mode' should be 'AES-GCM' or 'AES-CBC'", Error(() => Config().DecMode = (ModelEncryptionMode)7));
        Assert.Equal("AES-CBC", ServableStartConfig.FormatDecMode(ModelEncryptionMode.AesCbc));
    }

    [Fact]
    public void A_relative_servable_directory_resolves_against_the_application_folder()
    {
        Assert.Equal(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "servables")), Config().ResolvedServableDirectory);
        Assert.Equal("/srv/models", new ServableStartConfig("/srv/models", "a").ResolvedServableDirectory);
    }

    [Fact]
    public void The_key_never_appears_in_the_text_form()
    {
        var config = Config();
        config.DecKey = Convert.FromHexString("00112233445566778899aabbccddeeff");

        Assert.DoesNotContain("0011", config.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AAEC", config.ToString(), StringComparison.Ordinal);
        Assert.Contains("encrypted models (AES-GCM)", config.ToString());
    }
}
