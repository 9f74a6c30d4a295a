using System.Security.Cryptography;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Loading;

public sealed class ModelEncryptionTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Theory]
    [InlineData(ModelEncryptionMode.AesGcm, 16)]
    [InlineData(ModelEncryptionMode.AesGcm, 32)]
    [InlineData(ModelEncryptionMode.AesCbc, 24)]
    [InlineData(ModelEncryptionMode.AesCbc, 32)]
    public void Encrypt_then_decrypt_gives_the_model_back(ModelEncryptionMode mode, int keyLength)
    {
        var model = Fixtures.TensorAdd();
        var key = RandomNumberGenerator.GetBytes(keyLength);

        var encrypted = ModelCrypto.Encrypt(model, key, mode);

        Assert.True(ModelCrypto.IsEncrypted(encrypted));
        Assert.Equal("SSME"u8.ToArray(), encrypted[..4]);
        Assert.Equal(ModelCrypto.FormatVersion, encrypted[4]);
        Assert.Equal(mode == ModelEncryptionMode.AesGcm ? 1 : 2, encrypted[5]);
        Assert.Equal(mode == ModelEncryptionMode.AesGcm ? 8 + 12 + 16 + model.Length : 8 + 16 + ((model.Length / 16) + 1) * 16, encrypted.Length);
        Assert.Equal(-1, encrypted.AsSpan().IndexOf(model.AsSpan(0, 32)));
        Assert.Equal(model, ModelCrypto.Decrypt(encrypted, key, mode));
        Assert.NotEqual(encrypted, ModelCrypto.Encrypt(model, key, mode));
    }

    [Fact]
    public void Decrypt_rejects_a_wrong_key_a_tampered_file_the_other_mode_and_a_plain_file()
    {
        var model = Fixtures.TensorAdd();
        var key = RandomNumberGenerator.GetBytes(16);
        var encrypted = ModelCrypto.Encrypt(model, key, ModelEncryptionMode.AesGcm);
        var tampered = (byte[])encrypted.Clone();
        tampered[^1] ^= 1;

        Assert.Equal("AES-GCM authentication failed: the dec_key is wrong or the model file is damaged",
            Assert.Throws<CryptographicException>(() => ModelCrypto.Decrypt(encrypted, RandomNumberGenerator.GetBytes(16), ModelEncryptionMode.AesGcm)).Message);
        Assert.Equal("AES-GCM authentication failed: the dec_key is wrong or the model file is damaged",
            Assert.Throws<CryptographicException>(() => ModelCrypto.Decrypt(tampered, key, ModelEncryptionMode.AesGcm)).Message);
        Assert.Equal("the model file is encrypted with AES-GCM, but dec_mode is AES-CBC",
            Assert.Throws<CryptographicException>(() => ModelCrypto.Decrypt(encrypted, key, ModelEncryptionMode.AesCbc)).Message);
        Assert.Equal("the model file is not encrypted (it does not start with the SSME header), but dec_key is set",
            Assert.Throws<CryptographicException>(() => ModelCrypto.Decrypt(model, key, ModelEncryptionMode.AesGcm)).Message);
        Assert.Equal("the encrypted model file is truncated",
            Assert.Throws<CryptographicException>(() => ModelCrypto.Decrypt(encrypted.AsSpan(0, 20), key, ModelEncryptionMode.AesGcm)).Message);
        Assert.StartsWith("Parameter 'dec_key' should be 16, 24 or 32 bytes, but actually 15 bytes",
            Assert.Throws<ArgumentException>(() => ModelCrypto.Encrypt(model, new byte[15], ModelEncryptionMode.AesGcm)).Message);
    }

    private ServableStartConfig WriteEncryptedAdd(byte[] key, ModelEncryptionMode fileMode, ModelEncryptionMode configMode)
    {
        _servables.WriteScript("add", TempServables.AddScript);
        _servables.WriteModel("add", 1, "tensor_add.onnx", ModelCrypto.Encrypt(Fixtures.TensorAdd(), key, fileMode));
        var config = _servables.Config("add");
        config.DecKey = key;
        config.DecMode = configMode;
        return config;
    }

    [Theory]
    [InlineData(ModelEncryptionMode.AesGcm)]
    [InlineData(ModelEncryptionMode.AesCbc)]
    public async Task An_encrypted_model_is_decrypted_in_memory_and_served(ModelEncryptionMode mode)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var config = WriteEncryptedAdd(key, mode, mode);
        var filesBefore = Directory.GetFiles(_servables.ServableDirectory("add"), "*", SearchOption.AllDirectories).Order().ToList();
        var manager = new ServableManager(_servables.Configuration(config), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var status = Assert.Single(await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout));
        var reply = await Predict.AddAsync(manager, "add");

        Assert.Equal(ServableVersionState.Available, status.State);
        Assert.Equal([11f, 22f, 33f, 44f], Predict.Output(reply));
        // Nothing decrypted reached the disk; the configured key is untouched (a reload needs it).
        var filesAfter = Directory.GetFiles(_servables.ServableDirectory("add"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.cache/", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(filesBefore, filesAfter);
        Assert.True(ModelCrypto.IsEncrypted(File.ReadAllBytes(Path.Combine(_servables.Root, "add", "1", "tensor_add.onnx"))));
        Assert.Equal(key, config.DecKey);
    }

    [Theory]
    [InlineData(ModelEncryptionMode.AesGcm, ModelEncryptionMode.AesGcm, true, "AES-GCM authentication failed: the dec_key is wrong or the model file is damaged")]
    [InlineData(ModelEncryptionMode.AesCbc, ModelEncryptionMode.AesGcm, false, "the model file is encrypted with AES-CBC, but dec_mode is AES-GCM")]
    [InlineData(ModelEncryptionMode.AesCbc, ModelEncryptionMode.AesCbc, true, "")]
    public async Task A_wrong_key_or_mode_fails_startup_with_load_model_failed(ModelEncryptionMode fileMode, ModelEncryptionMode configMode,
        bool wrongKey, string detail)
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var config = WriteEncryptedAdd(key, fileMode, configMode);
        if (wrongKey)
        {
            config.DecKey = RandomNumberGenerator.GetBytes(16);
        }
        var manager = new ServableManager(_servables.Configuration(config), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var status = Assert.Single(await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout));

        Assert.Equal(ServableVersionState.Failed, status.State);
        var path = Path.Combine(_servables.Root, "add", "1", "tensor_add.onnx");
        // AES-CBC is not authenticated: a wrong key shows as a padding error or, rarely, as a model ORT cannot parse.
        Assert.StartsWith($"Load model failed, servable 'add' version 1, model file '{path}', load error details: {detail}", status.Error);
        Assert.False(manager.Contains("add"));
    }

    [Fact]
    public async Task A_key_set_for_a_plain_model_fails_startup()
    {
        _servables.WriteAdd("add", 1);
        var config = _servables.Config("add");
        config.DecKey = new byte[16];
        var manager = new ServableManager(_servables.Configuration(config), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var status = Assert.Single(await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout));

        Assert.EndsWith("load error details: the model file is not encrypted (it does not start with the SSME header), but dec_key is set", status.Error);
    }

    [Fact]
    public void The_loader_works_on_its_own_copy_of_the_key_and_zeroes_it()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var original = (byte[])key.Clone();
        var sessions = new ModelSessions(OrtModelRuntime.Instance, "add", 1, _servables.Root, null, DeviceType.Cpu, [], key, ModelEncryptionMode.AesGcm);
        var copy = (byte[])typeof(ModelSessions).GetField("_key", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(sessions)!;
        Assert.NotSame(key, copy);
        Assert.Equal(original, copy);

        sessions.Dispose();

        Assert.All(copy, b => Assert.Equal(0, b));
        Assert.Equal(original, key);
    }
}
