using SharpServing.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>The acceptance fixture: servable <c>add</c>, <c>add_common(x1, x2)</c> (model only) and <c>add_cast</c> (cast to
/// float32, then the model); the model adds float32 [2, 2] without a batch dim.</summary>
internal static class AddServable
{
    public static TestServable Create(ExecutionOptions? options = null, Action<ServableBuilder, Model>? more = null)
        => TestServable.Create(b =>
        {
            var model = b.DeclareModel("tensor_add.onnx", withBatchDim: false);
            b.RegisterMethod("add_common", ["y"], (x1, x2) => b.AddStage(model, x1, x2));
            b.RegisterMethod("add_cast", ["y"], (x1, x2) =>
            {
                var (a, c) = b.AddStage(ToFloat32, x1, x2, outputsCount: 2);
                return b.AddStage(model, a, c);
            });
            more?.Invoke(b, model);
        }, new Dictionary<string, byte[]> { ["tensor_add.onnx"] = ModelFixtures.ModelFixtures.TensorAdd() }, options, name: "add");

    public static Dictionary<string, RequestInput> Pair(float value)
        => TestServable.Instance(("x1", TestServable.Floats(value, 2, 2)), ("x2", TestServable.Floats(value, 2, 2)));

    private static (Tensor, Tensor) ToFloat32(Tensor x1, Tensor x2) => (x1.Cast<float>(), x2.Cast<float>());
}
