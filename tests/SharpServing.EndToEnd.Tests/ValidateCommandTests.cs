using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary><c>sharpserving validate</c>: a good servable prints its methods and models; a broken one its compile errors.</summary>
public sealed class ValidateCommandTests
{
    [Fact]
    public async Task A_good_servable_prints_its_models_and_methods_and_exits_0()
    {
        var result = await Tool.SharpServingAsync(["validate", "servables/add", "--version", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"""
            servable add version 1 ({RepoPaths.Combine("servables", "add", "1")})
              model tensor_add.onnx (batch dim: no)
                inputs  x1: Float32[2, 2], x2: Float32[2, 2]
                outputs y: Float32[2, 2]
              method add_common(x1, x2) -> y
                stage 1: model tensor_add.onnx, 2 inputs, 1 outputs
              method add_cast(x1, x2) -> y
                stage 1: function ToFloat32, 2 inputs, 2 outputs
                stage 2: model tensor_add.onnx, 2 inputs, 1 outputs
            """, result.StandardOutput.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_script_that_does_not_compile_exits_3_with_each_error_at_its_line_and_column()
    {
        using var folder = new TempDirectory();
        var servable = Directory.CreateDirectory(folder.Combine("broken", "1")).Parent!.FullName;
        File.Copy(RepoPaths.Installed(RepoPaths.Combine("servables", "add", "1", "tensor_add.onnx")), Path.Combine(servable, "1", "tensor_add.onnx"));
        await File.WriteAllTextAsync(Path.Combine(servable, "servable_config.csx"), """
            var model = DeclareModel("tensor_add.onnx", withBatchDim: false);

            RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2))
            int count = "two";

            """);

        var result = await Tool.SharpServingAsync(["validate", servable]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"servable broken: Compile servable config failed, servable 'broken', file '{servable}/servable_config.csx':", result.StandardError);
        Assert.Contains("servable_config.csx(3,82): error CS1002: ; expected", result.StandardError);
        Assert.Contains("servable_config.csx(4,13): error CS0029: Cannot implicitly convert type 'string' to 'int'", result.StandardError);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task A_script_whose_stage_does_not_match_the_model_exits_3_with_the_configuration_error()
    {
        using var folder = new TempDirectory();
        var servable = Directory.CreateDirectory(folder.Combine("wrong", "1")).Parent!.FullName;
        File.Copy(RepoPaths.Installed(RepoPaths.Combine("servables", "add", "1", "tensor_add.onnx")), Path.Combine(servable, "1", "tensor_add.onnx"));
        await File.WriteAllTextAsync(Path.Combine(servable, "servable_config.csx"), """
            var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
            RegisterMethod("add_one", outputs: ["y"], x1 => AddStage(model, x1));

            """);

        var result = await Tool.SharpServingAsync(["validate", servable]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("The inputs count 1 in register_method not equal to the count 2 defined in model", result.StandardError);
    }
}
