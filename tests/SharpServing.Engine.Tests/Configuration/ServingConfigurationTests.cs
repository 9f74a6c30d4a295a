using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

public sealed class ServingConfigurationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sharpserving-config-" + Guid.NewGuid().ToString("N")[..12]);

    public ServingConfigurationTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ServingConfiguration Parse(string json) => ServingConfiguration.Parse(json, _folder);

    private string Error(string json) => Assert.Throws<ServingConfigurationException>(() => Parse(json)).Message;

    [Fact]
    public void A_full_file_is_read_into_the_options()
    {
        var path = Path.Combine(_folder, "serving.json");
        File.WriteAllText(path, """
            {
              // comments and trailing commas are fine
              "servables_root": "servables",
              "compile_cache": "/var/cache/sharpserving",
              "max_enqueued_requests": 500,
              "servables": [
                { "name": "add", "version": 2, "device_type": "cpu", "device_ids": [0, 1], "num_parallel_workers": 4,
                  "dec_key": "00112233445566778899aabbccddeeff", "dec_mode": "aes-cbc" },
                { "name": "ocr", "servable_directory": "/srv/other", "device_ids": 3, "device_type": null },
              ],
              "grpc": { "address": "127.0.0.1:5500", "max_msg_mb_size": 200,
                        "ssl": { "certificate": "tls/server.crt", "private_key": "tls/server.key", "custom_ca": "tls/ca.crt", "verify_client": true } },
              "rest": { "address": "0.0.0.0:1500" },
            }
            """);

        var configuration = ServingConfiguration.Load(path);

        Assert.Equal(Path.Combine(_folder, "servables"), configuration.ServablesRoot);
        Assert.Equal("/var/cache/sharpserving", configuration.CompileCacheDirectory);
        Assert.Equal(500, configuration.MaxEnqueuedRequests);
        var add = configuration.Servables[0];
        Assert.Equal((Path.Combine(_folder, "servables"), "add", 2L, "CPU", 4), (add.ServableDirectory, add.ServableName, add.VersionNumber, add.DeviceType, add.NumParallelWorkers));
        Assert.Equal([0, 1], add.DeviceIds);
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), add.DecKey);
        Assert.Equal(ModelEncryptionMode.AesCbc, add.DecMode);
        var ocr = configuration.Servables[1];
        Assert.Equal(("/srv/other", 0L, (string?)null), (ocr.ServableDirectory, ocr.VersionNumber, ocr.DeviceType));
        Assert.Equal([3], ocr.DeviceIds);
        Assert.Equal("127.0.0.1:5500", configuration.Grpc!.Address);
        Assert.Equal(200, configuration.Grpc.MaxMsgMbSize);
        Assert.Equal(Path.Combine(_folder, "tls", "server.crt"), configuration.Grpc.Ssl!.Certificate);
        Assert.Equal(Path.Combine(_folder, "tls", "server.key"), configuration.Grpc.Ssl.PrivateKey);
        Assert.Equal(Path.Combine(_folder, "tls", "ca.crt"), configuration.Grpc.Ssl.CustomCa);
        Assert.True(configuration.Grpc.Ssl.VerifyClient);
        Assert.Equal(("0.0.0.0:1500", 100), (configuration.Rest!.Address, configuration.Rest.MaxMsgMbSize));
        Assert.Null(configuration.Rest.Ssl);
    }

    [Theory]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "devcie_type": "CPU"}]}""", "servables[0].devcie_type: unknown setting")]
    [InlineData("""{"servables_root": "s", "grcp": {}}""", "grcp: unknown setting")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "version": "x"}]}""", "servables[0].version: should be an integer, but actually string")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "version": -1}]}""", "servables[0].version: Parameter 'version_number' should be >= 0, but actually -1")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "version": 1.5}]}""", "servables[0].version: should be an integer, but actually 1.5")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "device_type": "TPU"}]}""", "servables[0].device_type: Unsupported device type 'TPU', only support 'Ascend', 'GPU', 'CPU' and None, case ignored")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "device_ids": "0"}]}""", "servables[0].device_ids: Parameter 'device_ids' should be int or tuple/list of int, but actually string")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "device_ids": [0, "1"]}]}""", "servables[0].device_ids: Parameter 'device_ids' should be int or tuple/list of int, but actually list of string")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "device_ids": [-1]}]}""", "servables[0].device_ids: The item value '-1' in parameter 'device_ids' should be >= 0")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "device_ids": [2, 2]}]}""", "servables[0].device_ids: The item value '2' in parameter 'device_ids' is repeated")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "num_parallel_workers": 65}]}""", "servables[0].num_parallel_workers: Parameter 'num_parallel_workers' should be in range [0,64]")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "dec_key": "0011"}]}""", "servables[0].dec_key: Parameter 'dec_key' should be 16, 24 or 32 bytes, but actually 2 bytes")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "dec_key": "secret-key-text!"}]}""", "servables[0].dec_key: Parameter 'dec_key' should be hex digits (32, 48 or 64 of them for a 16, 24 or 32 byte key)")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "dec_mode": "AES-XTS"}]}""", "servables[0].dec_mode: Parameter 'dec_mode' should be 'AES-GCM' or 'AES-CBC', but actually 'AES-XTS'")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": "add", "dec_key": "00112233445566778899aabbccddeeff", "dec_key_file": "k"}]}""", "servables[0].dec_key: give dec_key or dec_key_file, not both")]
    [InlineData("""{"servables_root": "s", "servables": [{"version": 1}]}""", "servables[0].name: the servable name is required")]
    [InlineData("""{"servables_root": "s", "servables": [{"name": ""}]}""", "servables[0].name: Parameter 'servable_name' should not be empty str")]
    [InlineData("""{"servables": [{"name": "add"}]}""", "servables[0].servable_directory: required when servables_root is not set")]
    [InlineData("""{"servables_root": "s", "servables": {"name": "add"}}""", "servables: should be an array of servable objects, but actually object")]
    [InlineData("""{"servables_root": "s", "max_enqueued_requests": 0}""", "max_enqueued_requests: Parameter 'max_enqueued_requests' should be >= 1, but actually 0")]
    [InlineData("""{"servables_root": "s", "grpc": {"address": "127.0.0.1:5500", "max_msg_mb_size": 0}}""", "grpc.max_msg_mb_size: Parameter 'max_msg_mb_size' should be in range [1,512]")]
    [InlineData("""{"servables_root": "s", "rest": {"address": "127.0.0.1:1500", "max_msg_mb_size": 513}}""", "rest.max_msg_mb_size: Parameter 'max_msg_mb_size' should be in range [1,512]")]
    [InlineData("""{"servables_root": "s", "grpc": {"max_msg_mb_size": 1}}""", "grpc.address: Parameter 'address' should not be empty str")]
    [InlineData("""{"servables_root": "s", "grpc": {"address": "a:1", "ssl": {"private_key": "k"}}}""", "grpc.ssl.certificate: Parameter 'certificate' should not be empty str")]
    [InlineData("""{"servables_root": "s", "grpc": {"address": "a:1", "ssl": {"certificate": "c"}}}""", "grpc.ssl.private_key: Parameter 'private_key' should not be empty str")]
    [InlineData("""{"servables_root": "s", "rest": {"address": "a:1", "ssl": {"certificate": "c", "private_key": "k", "verify_client": true}}}""", "rest.ssl.custom_ca: Parameter 'custom_ca' should not be empty str when 'verify_client' is true")]
    [InlineData("""{"servables_root": "s", "grpc": {"address": "a:1", "ssl": {"certificate": "c", "private_key": "k", "verify_client": "yes"}}}""", "grpc.ssl.verify_client: should be true or false, but actually string")]
    [InlineData("""{}""", "servables: no servable is configured: give servables, or servables_root to serve every servable in it")]
    [InlineData("""[1]""", "the configuration must be a JSON object, but actually array")]
    public void Each_invalid_setting_is_named_in_the_error(string json, string expected)
        => Assert.Equal(expected, Error(json));

    [Fact]
    public void Invalid_json_and_a_missing_file_are_reported()
    {
        Assert.StartsWith("the configuration is not valid JSON: ", Error("{ \"servables_root\": "));
        var missing = Path.Combine(_folder, "missing.json");
        Assert.StartsWith($"cannot read the configuration file '{missing}': ", Assert.Throws<ServingConfigurationException>(() => ServingConfiguration.Load(missing)).Message);
    }

    [Fact]
    public void A_bad_key_is_never_echoed()
    {
        var error = Error("""{"servables_root": "s", "servables": [{"name": "add", "dec_key": "zz112233445566778899aabbccddeeff"}]}""");

        Assert.DoesNotContain("zz11", error, StringComparison.Ordinal);
        Assert.Equal("servables[0].dec_key", Assert.Throws<ServingConfigurationException>(
            () => Parse("""{"servables_root": "s", "servables": [{"name": "add", "dec_key": "zz"}]}""")).Setting);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_key_file_holds_raw_bytes_or_hex(bool hex)
    {
        var key = Enumerable.Range(1, 24).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(Path.Combine(_folder, "model.key"), hex ? System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(key) + "\n") : key);

        var configuration = Parse("""{"servables_root": "s", "servables": [{"name": "add", "dec_key_file": "model.key", "dec_mode": "AES-GCM"}]}""");

        Assert.Equal(key, configuration.Servables[0].DecKey);
    }

    [Fact]
    public void Validate_rejects_two_directories_for_one_servable_and_two_keys_for_one_version()
    {
        var configuration = new ServingConfiguration();
        configuration.Servables.Add(new ServableStartConfig("/a", "add"));
        configuration.Servables.Add(new ServableStartConfig("/b", "add"));
        Assert.Equal("servables[1].servable_directory: servable 'add' is configured with two directories, '/a' and '/b'",
            Assert.Throws<ServingConfigurationException>(configuration.Validate).Message);

        configuration.Servables[1] = new ServableStartConfig("/a", "add") { DecKey = new byte[16] };
        Assert.Equal("servables[1].dec_key: servable 'add' version 0 is configured with two different dec_key or dec_mode",
            Assert.Throws<ServingConfigurationException>(configuration.Validate).Message);

        configuration.Servables[1] = new ServableStartConfig("/a", "add") { VersionNumber = 2, DecKey = new byte[16] };
        configuration.Validate();
    }

    [Fact]
    public void Setters_reject_out_of_range_values_with_the_spec_texts()
    {
        Assert.Equal("Parameter 'max_msg_mb_size' should be in range [1,512]",
            Assert.Throws<ArgumentOutOfRangeException>(() => new EndpointConfiguration().MaxMsgMbSize = 0).Message);
        Assert.Equal("Parameter 'max_enqueued_requests' should be >= 1, but actually 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => new ServingConfiguration().MaxEnqueuedRequests = 0).Message);
    }
}
