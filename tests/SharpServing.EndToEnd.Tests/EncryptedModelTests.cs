using System.Security.Cryptography;
using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary><c>sharpserving encrypt</c>, then <c>serve --dec-key-file</c>: the encrypted model answers; without the key it does not load.</summary>
public sealed class EncryptedModelTests
{
    [Fact]
    public async Task An_encrypted_model_serves_with_its_key_file_and_fails_to_load_without_it()
    {
        using var folder = new TempDirectory();
        var servable = Directory.CreateDirectory(folder.Combine("servables", "add", "1")).Parent!.FullName;
        File.Copy(RepoPaths.Combine("servables", "add", "servable_config.csx"), Path.Combine(servable, "servable_config.csx"));
        await File.WriteAllBytesAsync(folder.Combine("model.key"), RandomNumberGenerator.GetBytes(32));
        var plain = RepoPaths.Installed(RepoPaths.Combine("servables", "add", "1", "tensor_add.onnx"));

        var encrypt = await Tool.SharpServingAsync(["encrypt", "--key-file", "model.key", "--mode", "AES-GCM", plain, "servables/add/1/tensor_add.onnx"],
            folder.Path);

        Assert.True(encrypt.ExitCode == 0, encrypt.ToString());
        Assert.StartsWith($"encrypted {plain} → servables/add/1/tensor_add.onnx (AES-GCM, ", encrypt.StandardOutput);
        Assert.NotEqual(await File.ReadAllBytesAsync(plain), await File.ReadAllBytesAsync(Path.Combine(servable, "1", "tensor_add.onnx")));

        await using (var server = await ServerProcess.ServeAsync(["--servables", "servables", "--dec-key-file", "model.key", "--dec-mode", "AES-GCM"], folder.Path))
        {
            var reply = await Tool.RunAsync("curl", ["-s", "-X", "POST", $"http://{server.RestAddress}/model/add:add_common",
                "-d", """{"instances":{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[1.0,1.0],[1.0,1.0]]}}"""]);
            Assert.Equal("""{"instances":[{"y":[[2.0,3.0],[4.0,5.0]]}]}""", reply.StandardOutput);
        }

        var keyless = ServerProcess.Start("dotnet", [RepoPaths.ServerDll, "serve", "--servables", "servables", "--grpc", $"127.0.0.1:{FreePort.Next()}",
            "--rest", "none"], workingDirectory: folder.Path);
        await using (keyless)
        {
            Assert.Equal(3, await keyless.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("Serving: servable add failed to load: Load model failed, servable 'add' version 1", keyless.Output);
            Assert.Contains("Serving Error: no servable could be loaded", keyless.Output);
        }
    }
}
